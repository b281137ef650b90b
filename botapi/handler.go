package botapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Tolerance is how far a request's webhook-timestamp may be from the
// receiver's clock before Verify refuses it (a replay, or a clock off).
const Tolerance = 5 * time.Minute

// ErrSignature is Verify's error for a request Tandem did not sign.
var ErrSignature = errors.New("botapi: the webhook signature does not match")

// Verify checks the Standard Webhooks signature of a request Tandem sent:
// secret is the bot's signing secret ("whsec_…"), h the request's headers,
// body its bytes, now the receiver's time.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := decodeKey(secret)
	if err != nil {
		return err
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("botapi: webhook-id, webhook-timestamp or webhook-signature is missing")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("botapi: webhook-timestamp is not a number")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
		return errors.New("botapi: webhook-timestamp is too far from now")
	}
	want := Sign(key, id, sec, body)
	// The header may hold several signatures (during a secret's rotation).
	for _, sig := range strings.Fields(sigs) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return ErrSignature
}

// decodeKey reads a signing secret, "whsec_" and base64.
func decodeKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return nil, errors.New("botapi: the signing secret is not whsec_ and base64")
	}
	return key, nil
}

// Sign returns the webhook-signature value ("v1,<base64>") of a request:
// HMAC-SHA256 under key of "id.timestamp.body".
func Sign(key []byte, id string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// HandlerFunc answers one event; a nil Answer means nothing to do. An error
// answers 500, and Tandem tries the delivery again later.
type HandlerFunc func(ctx context.Context, ev *Event) (*Answer, error)

// Handler is a bot server's endpoint: it refuses requests without a valid
// signature (401), decodes the event and writes f's answer as JSON.
//
// Tandem sends a delivery again when its answer was lost or late (a
// timeout), with the same webhook-id. Handler remembers the ids it
// answered (the last RememberIDs, for RememberFor at most) and answers a
// repeat with the answer it gave, without calling f again; a repeat that
// arrives while f still runs waits for that answer. An id f failed for
// (an error, 500) is forgotten, so that the retry calls f again.
func Handler(secret string, f HandlerFunc) http.Handler {
	return newHandler(secret, f, newSeen(RememberIDs, RememberFor, rememberBytes), time.Now)
}

func newHandler(secret string, f HandlerFunc, mem *seen, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			http.Error(w, "cannot read the body", http.StatusBadRequest)
			return
		}
		if err := Verify(secret, r.Header, body, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var ev Event
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "the event is not JSON", http.StatusBadRequest)
			return
		}
		// Only signed requests reach the memory: nobody else can make the
		// handler skip an id.
		e, first := mem.begin(r.Header.Get("webhook-id"), now())
		if !first {
			select {
			case <-e.done:
			case <-r.Context().Done():
				return
			}
			status, answer, failed := mem.answer(e)
			if failed {
				http.Error(w, "the first attempt of this delivery failed; try again", http.StatusServiceUnavailable)
				return
			}
			writeAnswer(w, status, answer)
			return
		}
		a, err := f(r.Context(), &ev)
		if err != nil {
			mem.finish(e, 0, nil, true)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		status, answer := http.StatusNoContent, []byte(nil)
		if a != nil && len(a.Instructions) > 0 {
			if answer, err = json.Marshal(a); err != nil {
				mem.finish(e, 0, nil, true)
				http.Error(w, "cannot encode the answer: "+err.Error(), http.StatusInternalServerError)
				return
			}
			status = http.StatusOK
		}
		mem.finish(e, status, answer, false)
		writeAnswer(w, status, answer)
	})
}

// writeAnswer writes an answer: JSON, or a status without a body.
func writeAnswer(w http.ResponseWriter, status int, answer []byte) {
	if len(answer) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}
