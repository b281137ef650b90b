package botapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The example of the Standard Webhooks specification.
const (
	specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTS     = 1614265330
	specBody   = `{"test": 2432232314}`
	specSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func specHeader(sig string, ts int64) http.Header {
	h := http.Header{}
	h.Set("webhook-id", specID)
	h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	h.Set("webhook-signature", sig)
	return h
}

func TestVerify(t *testing.T) {
	at := time.Unix(specTS, 0)
	tests := []struct {
		name   string
		secret string
		h      http.Header
		body   string
		now    time.Time
		ok     bool
	}{
		{"the specification's example", specSecret, specHeader(specSig, specTS), specBody, at, true},
		{"one of several signatures", specSecret, specHeader("v1,bm90IGl0 "+specSig, specTS), specBody, at, true},
		{"another body", specSecret, specHeader(specSig, specTS), `{"test": 1}`, at, false},
		{"another secret", "whsec_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", specHeader(specSig, specTS), specBody, at, false},
		{"too old", specSecret, specHeader(specSig, specTS), specBody, at.Add(Tolerance + time.Second), false},
		{"from the future", specSecret, specHeader(specSig, specTS), specBody, at.Add(-Tolerance - time.Second), false},
		{"no signature", specSecret, specHeader("", specTS), specBody, at, false},
		{"v2 is not v1", specSecret, specHeader("v2"+specSig[2:], specTS), specBody, at, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.h, []byte(tt.body), tt.now)
			if (err == nil) != tt.ok {
				t.Fatalf("Verify = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	var got *Event
	h := Handler(specSecret, func(ctx context.Context, ev *Event) (*Answer, error) {
		got = ev
		return &Answer{Instructions: []Instruction{{Type: Post, Message: &Message{Text: "hi " + ev.From.Name}}}}, nil
	})
	body := `{"id":"d1","type":"mention","from":{"account":"user:u1","name":"Alex"}}`
	send := func(sig string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		now := time.Now().Unix()
		if sig == "" {
			sig = signWith(t, specSecret, "d1", now, body)
		}
		req.Header = specHeader(sig, now)
		req.Header.Set("webhook-id", "d1")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	if w := send("v1,AAAA"); w.Code != http.StatusUnauthorized || got != nil {
		t.Fatalf("forged request: %d, handler called %v", w.Code, got != nil)
	}
	w := send("")
	if w.Code != http.StatusOK {
		t.Fatalf("signed request: %d %s", w.Code, w.Body)
	}
	var a Answer
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil || len(a.Instructions) != 1 || a.Instructions[0].Message.Text != "hi Alex" {
		t.Fatalf("answer %s (%v)", w.Body, err)
	}
}

func signWith(t *testing.T, secret, id string, ts int64, body string) string {
	t.Helper()
	key, err := decodeKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	return Sign(key, id, ts, []byte(body))
}
