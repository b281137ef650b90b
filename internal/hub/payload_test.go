package hub

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
)

func TestCheckPayload(t *testing.T) {
	tests := []struct {
		kind, payload string
		ok            bool
	}{
		{"meta", `{"url":"https://a.example/","title":"A","pageId":"p1","viewport":{"width":800,"height":600,"dpr":2}}`, true},
		{"meta", `{}`, true},
		{"meta", `[]`, false},
		{"meta", `null`, false},
		{"meta", `{"url":1}`, false},
		{"meta", `{"viewport":"big"}`, false},
		{"meta", `{"url":"a"`, false},
		{"snap", `[{"type":4,"data":{}},{"type":2,"data":{"node":{"type":0}}}]`, true},
		{"snap", ` [ {"data":{"x":"}"},"type":4} , {"type":2} , {"type":3} ] `, true},
		{"snap", `[{"type":2},{"type":4}]`, false},
		{"snap", `[{"type":4}]`, false},
		{"snap", `{"type":4}`, false},
		{"ref", `[{"type":4,"data":{"href":"x"}}]`, true},
		{"ref", `[{"type":4},{"type":4}]`, false},
		{"ref", `[]`, false},
		{"ev", `[{"type":3,"data":{"source":1,"positions":[{"x":1}]},"timestamp":1}]`, true},
		{"ev", `[{"type":5,"data":{"tag":"console","payload":{"args":["]}\"{"]}}}]`, true},
		{"ev", `[]`, true},
		{"ev", `[{"\u0074ype":3}]`, true},
		{"ev", `[{"type":3.5}]`, false},
		{"ev", `[{"type":"3"}]`, false},
		{"ev", `[{"type":2}]`, false},
		{"ev", `[{"typ":3}]`, false},
		{"ev", `[{"type":3,"type":7}]`, false},
		{"ev", `[3]`, false},
		{"ev", `[{"type":3}`, false},
		{"ev", `not json`, false},
		{"ev", ``, false},
		{"ev", `"[]"`, false},
		{"leave", ``, true},
		{"leave", `{}`, false},
		{"launch", `[]`, false},
	}
	for _, tt := range tests {
		err := CheckPayload(tt.kind, []byte(tt.payload))
		if (err == nil) != tt.ok {
			t.Errorf("CheckPayload(%s, %s) = %v, want ok=%v", tt.kind, tt.payload, err, tt.ok)
		}
		if err != nil && tandem.ErrorCode(err) != tandem.EBadProtocol {
			t.Errorf("CheckPayload(%s, %s): code %s, want bad_protocol", tt.kind, tt.payload, tandem.ErrorCode(err))
		}
	}
}

func BenchmarkCheckPayload(b *testing.B) {
	ev := []byte(`[{"type":3,"data":{"source":0,"texts":[{"id":42,"value":"` + strings.Repeat("x", 400) + `"}],"attributes":[],"removes":[],"adds":[]},"timestamp":1700000000000}]`)
	snap := []byte(`[{"type":4,"data":{"href":"https://shop.example.com/cart","width":1280,"height":800},"timestamp":1},` +
		`{"type":2,"data":{"node":{"type":0,"id":1,"childNodes":[` + strings.Repeat(`{"type":2,"id":2,"tagName":"div","attributes":{"class":"row"},"childNodes":[{"type":3,"id":3,"textContent":"hello"}]},`, 10000) +
		`{"type":3,"id":4,"textContent":"end"}]}},"timestamp":1}]`)
	for _, c := range []struct {
		name, kind string
		p          []byte
	}{{"ev", "ev", ev}, {"snap", "snap", snap}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.p)))
			for b.Loop() {
				if err := CheckPayload(c.kind, c.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The scanner accepts exactly what encoding/json does.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{
		`[]`, `{}`, `[{"type":3}]`, `{"a":[1,-2.5e+3,true,false,null,"x\"\\\/\b\f\n\r\t\u00e9"]}`,
		`01`, `-`, `1.`, `1e`, `.5`, `"\x01"`, `"\u12"`, `"\q"`, `[1,]`, `{"a"}`, `{"a":1,}`, `[1 2]`,
		`tru`, `nul`, ` 1 `, `1 1`, "\"\xff\"", strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, encoding/json says %v", b, got, want)
		}
	})
}
