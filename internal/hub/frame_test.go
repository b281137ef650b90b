package hub

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		want  Header
	}{
		{"ev with payload", "{\"k\":\"ev\",\"s\":42}\n[{\"type\":3}]", Header{Kind: "ev", Seq: 42}},
		{"snap", `{"k":"snap","s":1,"p":"pg1","h":"abc"}` + "\n[]", Header{Kind: "snap", Seq: 1, Page: "pg1", Hash: "abc"}},
		{"no payload", `{"k":"leave","s":9,"p":"x"}`, Header{Kind: "leave", Seq: 9, Page: "x"}},
		{"ping", `{"k":"ping","t":1700000000000}`, Header{Kind: "ping", T: 1700000000000}},
		{"negative t", `{"k":"pong","t":-5}`, Header{Kind: "pong", T: -5}},
		{"ack and from", `{"k":"welcome","ack":7,"from":3}`, Header{Kind: "welcome", Ack: 7, From: 3}},
		{"ack and stored", `{"k":"ack","ack":9,"stored":4}`, Header{Kind: "ack", Ack: 9, Stored: 4}},
		{"stored in another case", `{"k":"ack","STORED":4}`, Header{Kind: "ack", Stored: 4}},
		{"spaces", " { \"k\" : \"ev\" , \"s\" : 2 } \r\n{}", Header{Kind: "ev", Seq: 2}},
		{"unknown keys", `{"x":"y","k":"ev","n":-3,"b":true,"f":false,"s":5}`, Header{Kind: "ev", Seq: 5}},
		{"payload newline only", "{\"k\":\"end\"}\n", Header{Kind: "end"}},
		{"payload has braces", "{\"k\":\"ev\",\"s\":1}\n}{\"k\":\"snap\"", Header{Kind: "ev", Seq: 1}},
		// The forms the fast path hands to encoding/json.
		{"escaped string", `{"k":"ev","s":1,"p":"a\"b\u00e9"}`, Header{Kind: "ev", Seq: 1, Page: "a\"bé"}},
		{"utf-8 page", `{"k":"ev","s":1,"p":"página"}`, Header{Kind: "ev", Seq: 1, Page: "página"}},
		{"big seq", `{"k":"ev","s":18446744073709551615}`, Header{Kind: "ev", Seq: 18446744073709551615}},
		{"nested unknown", `{"k":"ev","s":3,"x":{"y":[1,2]}}`, Header{Kind: "ev", Seq: 3}},
		{"null unknown", `{"k":"ev","s":3,"x":null}`, Header{Kind: "ev", Seq: 3}},
		{"upper-case key", `{"K":"ev","S":4}`, Header{Kind: "ev", Seq: 4}},
		{"duplicate key", `{"k":"ev","k":"snap"}`, Header{Kind: "snap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHeader([]byte(tt.frame))
			if err != nil {
				t.Fatalf("ParseHeader(%q): %v", tt.frame, err)
			}
			if got != tt.want {
				t.Errorf("ParseHeader(%q) = %+v, want %+v", tt.frame, got, tt.want)
			}
		})
	}
}

func TestParseHeaderErrors(t *testing.T) {
	tests := []struct{ name, frame string }{
		{"empty", ""},
		{"empty header", "\n[]"},
		{"not json", "hello\n"},
		{"array", `["k","ev"]`},
		{"no kind", `{"s":1}`},
		{"empty kind", `{"k":"","s":1}`},
		{"null kind", `{"k":null}`},
		{"kind not string", `{"k":1}`},
		{"negative seq", `{"k":"ev","s":-1}`},
		{"float seq", `{"k":"ev","s":1.5}`},
		{"seq as string", `{"k":"ev","s":"1"}`},
		{"seq overflow", `{"k":"ev","s":18446744073709551616}`},
		{"leading zero", `{"k":"ev","s":01}`},
		{"trailing garbage", `{"k":"ev"}x`},
		{"unterminated", `{"k":"ev"`},
		{"trailing comma", `{"k":"ev",}`},
		{"header too long", `{"k":"ev","x":"` + strings.Repeat("a", MaxHeaderBytes) + "\"}\n[]"},
		{"no newline and too long", `{"k":"ev","x":"` + strings.Repeat("a", MaxHeaderBytes) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHeader([]byte(tt.frame))
			if tandem.ErrorCode(err) != tandem.EBadProtocol {
				t.Errorf("ParseHeader(%.60q) = %+v, %v; want a %s error", tt.frame, h, err, tandem.EBadProtocol)
			}
		})
	}
}

func TestParseHeaderMaxLength(t *testing.T) {
	pad := MaxHeaderBytes - len(`{"k":"ev","x":""}`)
	frame := `{"k":"ev","x":"` + strings.Repeat("a", pad) + "\"}\n" + strings.Repeat("p", 4096)
	if _, err := ParseHeader([]byte(frame)); err != nil {
		t.Errorf("header of exactly %d bytes: %v", MaxHeaderBytes, err)
	}
}

// headerCorpus is the seed corpus for FuzzParseHeader: frames the fast path
// takes and frames it must hand to encoding/json.
var headerCorpus = []string{
	`{"k":"ev","s":42}`, `{"k":"snap","s":1,"p":"a","h":"b"}`, `{"k":"ping","t":-12}`,
	`{"k":"ev","s":01}`, `{"k":"ev","s":1e3}`, `{"k":"ev","s":1.0}`, `{"K":"ev"}`, `{"k":"\u0065v"}`,
	`{"k":"ev","x":true}`, `{"k":"ev","x":tru}`, `{"k":"ev","x":truex}`, `{"k":"ev","x":nul}`,
	`{"k":"ev","s":12345678901234567890}`, `{"k":"ev","t":-}`, `{"k":"ev","t":-0}`, `{}`, ``, `{"k":"é"}`,
	`{"k":"ev","s":99999999999999999999}`, `{"k" :"ev" ,"s":3 }`, "{\"k\":\"ev\"\t}", `{"k":"ev"}}`,
	`{"ack":1,"from":2,"k":"sync"}`, `{"k":"a","k":1}`, `{"k":"ev","s":-0}`, `{"k":"ev","from":"x"}`,
}

// FuzzParseHeader checks that the hand-written fast path agrees with
// encoding/json on every header it accepts.
func FuzzParseHeader(f *testing.F) {
	for _, s := range headerCorpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, hdr string) {
		if strings.IndexByte(hdr, '\n') >= 0 {
			return
		}
		var want Header
		jsonErr := json.Unmarshal([]byte(hdr), &want)
		if got, ok := parseFast([]byte(hdr)); ok {
			if jsonErr != nil {
				t.Fatalf("parseFast accepted %q, which encoding/json rejects: %v", hdr, jsonErr)
			}
			if got != want {
				t.Fatalf("parseFast(%q) = %+v, encoding/json says %+v", hdr, got, want)
			}
		}
		got, err := ParseHeader([]byte(hdr))
		wantErr := jsonErr != nil || want.Kind == "" || len(hdr) > MaxHeaderBytes
		if (err != nil) != wantErr {
			t.Fatalf("ParseHeader(%q) = %+v, %v; encoding/json gives %+v, %v", hdr, got, err, want, jsonErr)
		}
		if err == nil && got != want {
			t.Fatalf("ParseHeader(%q) = %+v, want %+v", hdr, got, want)
		}
	})
}

func TestEncodeFrame(t *testing.T) {
	tests := []struct {
		h       Header
		payload string
		want    string
	}{
		{Header{Kind: "sync", From: 12}, "", `{"k":"sync","from":12}`},
		{Header{Kind: "ack", Ack: 9, Stored: 4}, "", `{"k":"ack","ack":9,"stored":4}`},
		{Header{Kind: "ack", Ack: 5}, "", `{"k":"ack","ack":5,"stored":0}`},
		{Header{Kind: "welcome", Ack: 3}, `{}`, "{\"k\":\"welcome\",\"ack\":3,\"stored\":0}\n{}"},
		{Header{Kind: "ping", T: 1700000000000}, "", `{"k":"ping","t":1700000000000}`},
		{Header{Kind: "ev", Seq: 3, Page: "p1"}, `[{"type":3}]`, "{\"k\":\"ev\",\"s\":3,\"p\":\"p1\"}\n[{\"type\":3}]"},
		{Header{Kind: "snap", Seq: 1, Page: "p", Hash: "h"}, "[]", "{\"k\":\"snap\",\"s\":1,\"p\":\"p\",\"h\":\"h\"}\n[]"},
		{Header{Kind: "state"}, `{"state":"live"}`, "{\"k\":\"state\"}\n{\"state\":\"live\"}"},
	}
	for _, tt := range tests {
		got := string(EncodeFrame(tt.h, []byte(tt.payload)))
		if got != tt.want {
			t.Errorf("EncodeFrame(%+v) = %q, want %q", tt.h, got, tt.want)
		}
		back, err := ParseHeader([]byte(got))
		if err != nil || back != tt.h {
			t.Errorf("ParseHeader(EncodeFrame(%+v)) = %+v, %v", tt.h, back, err)
		}
	}
}

// Strings that need escaping still make a header that reads back the same.
func TestEncodeFrameEscapes(t *testing.T) {
	for _, s := range []string{`quo"te`, `back\slash`, "new\nline", "ünï", "\x00", "<&>"} {
		h := Header{Kind: "ev", Seq: 1, Page: s, Hash: s}
		frame := EncodeFrame(h, []byte("[]"))
		if n := strings.Count(string(frame), "\n"); n != 1 {
			t.Errorf("EncodeFrame with %q has %d newlines, want 1", s, n)
		}
		back, err := ParseHeader(frame)
		if err != nil || back != h {
			t.Errorf("round trip of %q = %+v, %v", s, back, err)
		}
	}
}

func BenchmarkParseHeader(b *testing.B) {
	frame := []byte(`{"k":"ev","s":123456,"p":"page-7f3a"}` + "\n" + strings.Repeat(`{"type":3,"data":{}},`, 50))
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := ParseHeader(frame); err != nil {
			b.Fatal(err)
		}
	}
}
