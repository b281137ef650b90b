package record

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

type entry struct {
	at    int64
	frame string
}

func encode(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, e := range entries {
		if err := AppendFrame(&buf, time.UnixMilli(e.at), []byte(e.frame)); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func decode(data []byte) ([]entry, error) {
	var got []entry
	err := ReadFrames(bytes.NewReader(data), func(at time.Time, frame []byte) error {
		got = append(got, entry{at.UnixMilli(), string(frame)})
		return nil
	})
	return got, err
}

func TestFramesRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
	}{
		{"none", nil},
		{"one", []entry{{1_700_000_000_123, `{"k":"ev","s":1}` + "\n[]"}}},
		{"empty frame", []entry{{0, ""}, {1, "x"}}},
		{"negative time", []entry{{-5, "before 1970"}}},
		{"long frame", []entry{{7, strings.Repeat("y", 300)}, {8, strings.Repeat("z", 70_000)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decode(encode(t, tt.entries))
			if err != nil {
				t.Fatalf("ReadFrames: %v", err)
			}
			if len(got) != len(tt.entries) {
				t.Fatalf("got %d entries, want %d", len(got), len(tt.entries))
			}
			for i := range got {
				if got[i] != tt.entries[i] {
					t.Errorf("entry %d = %.30v, want %.30v", i, got[i], tt.entries[i])
				}
			}
		})
	}
}

// Cutting a recording anywhere but between entries is reported as corrupt;
// cutting between entries loses only the entries after the cut.
func TestFramesTruncated(t *testing.T) {
	entries := []entry{{1, "first"}, {2, strings.Repeat("second", 30)}, {3, "third"}}
	data := encode(t, entries)
	boundaries := map[int]int{0: 0}
	n := 0
	for i, e := range entries {
		n += frameSize([]byte(e.frame))
		boundaries[n] = i + 1
	}
	for cut := range len(data) {
		got, err := decode(data[:cut])
		if whole, ok := boundaries[cut]; ok {
			if err != nil || len(got) != whole {
				t.Errorf("cut at entry boundary %d: %d entries, %v; want %d, nil", cut, len(got), err, whole)
			}
			continue
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("cut at %d: err = %v, want ErrCorrupt", cut, err)
		}
	}
}

func TestFramesCorrupt(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"length below time size", []byte{3, 0, 0, 0}},
		{"length over limit", append([]byte{0xff, 0xff, 0xff, 0xff, 0x7f}, make([]byte, 16)...)},
		{"varint overflow", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"length longer than data", []byte{20, 0, 0, 0, 0, 0, 0, 0, 1, 'a'}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decode(tt.data)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestReadFramesStopsOnCallbackError(t *testing.T) {
	data := encode(t, []entry{{1, "a"}, {2, "b"}, {3, "c"}})
	stop := fmt.Errorf("enough")
	calls := 0
	err := ReadFrames(bytes.NewReader(data), func(time.Time, []byte) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Errorf("ReadFrames = %v after %d calls, want the callback's error after 2", err, calls)
	}
}

func TestAppendFrameWritesOnce(t *testing.T) {
	var w countingWriter
	if err := AppendFrame(&w, time.UnixMilli(1), []byte("frame")); err != nil {
		t.Fatal(err)
	}
	if w.calls != 1 || w.n != frameSize([]byte("frame")) {
		t.Errorf("AppendFrame made %d writes of %d bytes, want 1 of %d", w.calls, w.n, frameSize([]byte("frame")))
	}
}

type countingWriter struct{ calls, n int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.calls++
	w.n += len(p)
	return len(p), nil
}
