package ratelimit

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		calls []time.Duration // offsets from start
		key   []string
		want  []bool
	}{
		{"burst then refused", []time.Duration{0, 0, 0, 0}, []string{"a", "a", "a", "a"}, []bool{true, true, true, false}},
		{"keys are separate", []time.Duration{0, 0, 0, 0}, []string{"a", "a", "a", "b"}, []bool{true, true, true, true}},
		{"refills over time", []time.Duration{0, 0, 0, 0, time.Second}, []string{"a", "a", "a", "a", "a"}, []bool{true, true, true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(time.Second, 3)
			for i, off := range tt.calls {
				if got := l.AllowAt(tt.key[i], start.Add(off)); got != tt.want[i] {
					t.Fatalf("call %d (%s at +%v) = %v, want %v", i, tt.key[i], off, got, tt.want[i])
				}
			}
		})
	}
}

func TestHasLeft(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type call struct {
		spend bool // Allow; else HasLeft
		key   string
		at    time.Duration // offset from start
		want  bool
	}
	tests := []struct {
		name  string
		calls []call
	}{
		{"unseen key has attempts", []call{{false, "a", 0, true}}},
		{"asking spends nothing", []call{
			{false, "a", 0, true}, {false, "a", 0, true}, {false, "a", 0, true}, {false, "a", 0, true},
			{true, "a", 0, true}, {true, "a", 0, true}, {true, "a", 0, true},
		}},
		{"none left after burst", []call{
			{true, "a", 0, true}, {true, "a", 0, true}, {true, "a", 0, true},
			{false, "a", 0, false}, {false, "a", 0, false},
		}},
		{"other keys unaffected", []call{
			{true, "a", 0, true}, {true, "a", 0, true}, {true, "a", 0, true},
			{false, "a", 0, false}, {false, "b", 0, true},
		}},
		{"refills over time", []call{
			{true, "a", 0, true}, {true, "a", 0, true}, {true, "a", 0, true},
			{false, "a", time.Second / 2, false}, {false, "a", time.Second, true},
			{true, "a", time.Second, true}, {false, "a", time.Second, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(time.Second, 3)
			for i, c := range tt.calls {
				var got bool
				if c.spend {
					got = l.AllowAt(c.key, start.Add(c.at))
				} else {
					got = l.HasLeftAt(c.key, start.Add(c.at))
				}
				if got != c.want {
					t.Fatalf("call %d (spend %v, %s at +%v) = %v, want %v", i, c.spend, c.key, c.at, got, c.want)
				}
			}
		})
	}
}

// Asking about a key never seen keeps nothing, so that many addresses that
// only ever succeed cost no memory.
func TestHasLeftKeepsNothing(t *testing.T) {
	l := New(time.Second, 3)
	l.HasLeft("a")
	if l.Len() != 0 {
		t.Fatalf("Len = %d after HasLeft, want 0", l.Len())
	}
}

func TestLimiterForgetsIdleKeys(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(time.Second, 2)
	for i := range 100 {
		l.AllowAt(string(rune('a'+i%26))+string(rune(i)), start)
	}
	if l.Len() != 100 {
		t.Fatalf("Len = %d, want 100", l.Len())
	}
	l.AllowAt("late", start.Add(time.Hour))
	if l.Len() != 1 {
		t.Fatalf("after idle sweep Len = %d, want 1", l.Len())
	}
}

// AllowNAt takes n attempts at once or none: a refused take leaves the
// bucket as it was.
func TestAllowN(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type take struct {
		n    int
		at   time.Duration
		want bool
	}
	tests := []struct {
		name  string
		takes []take
	}{
		{"whole burst", []take{{3, 0, true}, {1, 0, false}}},
		{"over the burst never", []take{{4, 0, false}, {3, 0, true}}},
		{"refused take spends nothing", []take{{2, 0, true}, {2, 0, false}, {1, 0, true}, {1, 0, false}}},
		{"refills for n", []take{{3, 0, true}, {2, time.Second, false}, {2, 2 * time.Second, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(time.Second, 3)
			for i, tk := range tt.takes {
				if got := l.AllowNAt("a", tk.n, start.Add(tk.at)); got != tk.want {
					t.Fatalf("take %d (%d at +%v) = %v, want %v", i, tk.n, tk.at, got, tk.want)
				}
			}
		})
	}
	l := New(time.Second, 3)
	l.AllowNAt("a", 3, start)
	if got := l.RetryAfterN("a", 2, start); got != 2*time.Second {
		t.Fatalf("RetryAfterN(2) after an empty bucket = %v, want 2s", got)
	}
}
