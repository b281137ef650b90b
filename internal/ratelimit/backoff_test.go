package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestBackoffGrows(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := NewBackoff(BackoffConfig{Free: 3, Base: time.Second, Max: 10 * time.Second, Forget: time.Minute})
	now := start
	// Each failure happens as soon as the wait allows; the waits grow.
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		b.Fail("k", now)
		if got := b.Wait("k", now); got != w {
			t.Fatalf("after failure %d: Wait = %v, want %v", i+1, got, w)
		}
		if w > 0 {
			if got := b.Wait("k", now.Add(w-time.Millisecond)); got != time.Millisecond {
				t.Fatalf("after failure %d, just before the wait ends: %v left, want 1ms", i+1, got)
			}
		}
		now = now.Add(w)
	}
	if got := b.Wait("other", now); got != 0 {
		t.Errorf("another key waits %v", got)
	}
	// A success resets the key.
	b.Reset("k")
	if b.Failures("k", now) != 0 || b.Wait("k", now) != 0 {
		t.Errorf("after Reset: %d failures, wait %v", b.Failures("k", now), b.Wait("k", now))
	}
}

func TestBackoffForgetsAndUndoes(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := NewBackoff(BackoffConfig{Free: 1, Base: time.Second, Max: 4 * time.Second, Forget: time.Minute})
	for range 3 {
		b.Fail("k", start)
	}
	if got := b.Wait("k", start); got != 2*time.Second {
		t.Fatalf("Wait = %v, want 2s", got)
	}
	b.Undo("k")
	if got := b.Wait("k", start); got != time.Second {
		t.Fatalf("after Undo: Wait = %v, want 1s", got)
	}
	b.Undo("k")
	b.Undo("k")
	b.Undo("k") // more than there were: no negative count
	if b.Failures("k", start) != 0 || b.Len() != 0 {
		t.Fatalf("after undoing everything: %d failures, %d keys", b.Failures("k", start), b.Len())
	}
	b.Fail("k", start)
	b.Fail("k", start)
	if got := b.Failures("k", start.Add(time.Minute)); got != 0 {
		t.Errorf("a minute after the last failure: %d failures remembered", got)
	}
}

// Many keys cannot grow the map past MaxKeys.
func TestBackoffBoundsMemory(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := NewBackoff(BackoffConfig{MaxKeys: 100, Forget: time.Hour})
	for i := range 1000 {
		b.Fail(fmt.Sprint("k", i), start.Add(time.Duration(i)*time.Millisecond))
	}
	if n := b.Len(); n > 100 {
		t.Fatalf("%d keys remembered, want at most 100", n)
	}
	// Keys past Forget are swept when new ones come.
	later := start.Add(2 * time.Hour)
	b.Fail("new", later)
	if n := b.Len(); n != 1 {
		t.Fatalf("%d keys after they were all forgotten, want 1", n)
	}
}

func TestLimiterRetryAfter(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(6*time.Second, 2)
	if got := l.RetryAfter("a", start); got != 0 {
		t.Fatalf("unseen key: %v", got)
	}
	l.AllowAt("a", start)
	l.AllowAt("a", start)
	if got := l.RetryAfter("a", start); got != 6*time.Second {
		t.Fatalf("empty bucket: RetryAfter = %v, want 6s", got)
	}
	if got := l.RetryAfter("a", start.Add(4*time.Second)); got != 2*time.Second {
		t.Fatalf("4s later: RetryAfter = %v, want 2s", got)
	}
}
