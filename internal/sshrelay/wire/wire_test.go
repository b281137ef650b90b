package wire

import (
	"encoding/json"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestParseShareRequest(t *testing.T) {
	ok := ShareRequest{Version: Version, HostName: "h", Command: "sh", Cols: 80, Rows: 24, Forwards: []string{"8080", "db:5432"}}
	good, _ := json.Marshal(ok)
	if _, err := ParseShareRequest(good); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	for name, mutate := range map[string]func(*ShareRequest){
		"version":   func(r *ShareRequest) { r.Version = 99 },
		"size":      func(r *ShareRequest) { r.Cols = 0 },
		"too big":   func(r *ShareRequest) { r.Rows = MaxRows + 1 },
		"forward":   func(r *ShareRequest) { r.Forwards = []string{"host:port"} },
		"forward 0": func(r *ShareRequest) { r.Forwards = []string{"0"} },
		"name":      func(r *ShareRequest) { r.HostName = string(make([]byte, MaxName+1)) },
		"resume":    func(r *ShareRequest) { r.Resume = string(make([]byte, MaxName+1)) },
	} {
		r := ok
		mutate(&r)
		b, _ := json.Marshal(r)
		if _, err := ParseShareRequest(b); err == nil {
			t.Errorf("%s: bad request accepted", name)
		}
	}
	if _, err := ParseShareRequest([]byte("{")); err == nil {
		t.Error("malformed JSON accepted")
	}
}

func TestOffers(t *testing.T) {
	offers := []string{"8080", "db.internal:5432"}
	for _, tt := range []struct {
		host string
		port int
		want bool
	}{
		{"localhost", 8080, true},
		{"127.0.0.1", 8080, true},
		{"::1", 8080, true},
		{"LOCALHOST", 8080, true},
		{"localhost", 8081, false},
		{"10.0.0.1", 8080, false},
		{"db.internal", 5432, true},
		{"db.internal", 8080, false},
		{"localhost", 5432, false},
	} {
		if got := Offers(offers, tt.host, tt.port); got != tt.want {
			t.Errorf("Offers(%s:%d) = %v, want %v", tt.host, tt.port, got, tt.want)
		}
	}
}

func FuzzParseShareRequest(f *testing.F) {
	b, _ := json.Marshal(ShareRequest{Version: Version, HostName: "h", Command: "sh", Cols: 80, Rows: 24})
	f.Add(b)
	f.Add([]byte(`{"version":1,"cols":1,"rows":1,"forwards":["a:1"]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := ParseShareRequest(in)
		if err != nil {
			return
		}
		if r.Cols < 1 || r.Cols > MaxCols || r.Rows < 1 || r.Rows > MaxRows || r.Version != Version {
			t.Fatalf("accepted %+v", r)
		}
		for _, fw := range r.Forwards {
			if _, _, err := SplitForward(fw); err != nil {
				t.Fatalf("accepted forward %q", fw)
			}
		}
	})
}

func FuzzParseDirectTCPIP(f *testing.F) {
	f.Add(ssh.Marshal(&DirectTCPIP{Host: "localhost", Port: 8080, OriginHost: "127.0.0.1", OriginPort: 5000}))
	f.Add(ssh.Marshal(&DirectTCPIP{Host: "", Port: 0}))
	f.Add([]byte{0, 0, 0, 9})
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := ParseDirectTCPIP(in)
		if err != nil {
			return
		}
		if d.Port < 1 || d.Port > 65535 || d.Host == "" {
			t.Fatalf("accepted %+v", d)
		}
	})
}

func FuzzParseWindowChange(f *testing.F) {
	f.Add(MarshalWindowChange(80, 24))
	f.Add(MarshalWindowChange(0, 0))
	f.Add(ssh.Marshal(&PtyRequest{Term: "xterm", Cols: 100, Rows: 30}))
	f.Fuzz(func(t *testing.T, in []byte) {
		if c, r, err := ParseWindowChange(in); err == nil && (c < 1 || r < 1 || c > MaxCols || r > MaxRows) {
			t.Fatalf("window-change accepted %dx%d", c, r)
		}
		if _, c, r, err := ParsePtyRequest(in); err == nil && (c < 1 || r < 1 || c > MaxCols || r > MaxRows) {
			t.Fatalf("pty-req accepted %dx%d", c, r)
		}
	})
}

func FuzzSplitForward(f *testing.F) {
	for _, s := range []string{"8080", "db:5432", "[::1]:22", ":80", "a:b", "99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, p, err := SplitForward(s)
		if err == nil && (h == "" || p < 1 || p > 65535) {
			t.Fatalf("SplitForward(%q) = %q, %d", s, h, p)
		}
	})
}
