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
