package password

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// heldVerifier counts the verifications running at once and holds each
// until release is closed; entered gets a value as each one starts.
type heldVerifier struct {
	entered chan struct{}
	release chan struct{}

	mu            sync.Mutex
	running, peak int
}

func newHeldVerifier() *heldVerifier {
	return &heldVerifier{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (v *heldVerifier) Verify(string, string) (bool, error) {
	v.mu.Lock()
	v.running++
	v.peak = max(v.peak, v.running)
	v.mu.Unlock()
	v.entered <- struct{}{}
	<-v.release
	v.mu.Lock()
	v.running--
	v.mu.Unlock()
	return false, nil
}

func TestGateBoundsConcurrency(t *testing.T) {
	v := newHeldVerifier()
	g := NewGate(GateConfig{Slots: 3, Wait: time.Minute, Verifier: v})
	const n = 12
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := g.Verify(context.Background(), "hash", "pw")
			errs <- err
		}()
	}
	for range 3 {
		<-v.entered
	}
	close(v.release) // from here each one that gets a slot runs straight through
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	if v.peak != 3 {
		t.Fatalf("at most %d verifications ran at once, want exactly 3", v.peak)
	}
}

func TestGateRefusesWhenFull(t *testing.T) {
	v := newHeldVerifier()
	g := NewGate(GateConfig{Slots: 1, Wait: 20 * time.Millisecond, Verifier: v})
	done := make(chan error, 1)
	go func() {
		_, err := g.Verify(context.Background(), "hash", "pw")
		done <- err
	}()
	<-v.entered
	if _, err := g.Verify(context.Background(), "hash", "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Verify while full = %v, want ErrBusy", err)
	}
	// A request that ends while waiting stops waiting.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v2 := newHeldVerifier()
	slow := NewGate(GateConfig{Slots: 1, Wait: time.Hour, Verifier: v2})
	go func() { _, _ = slow.Verify(context.Background(), "hash", "pw") }()
	<-v2.entered
	if _, err := slow.Verify(ctx, "hash", "pw"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify with an ended context = %v, want context.Canceled", err)
	}
	close(v2.release)
	close(v.release)
	if err := <-done; err != nil {
		t.Fatalf("the running verification: %v", err)
	}
	if v.peak != 1 {
		t.Fatalf("peak %d, want 1", v.peak)
	}
}

func TestDefaultSlots(t *testing.T) {
	if n := DefaultSlots(); n < 2 || n > 4 {
		t.Fatalf("DefaultSlots = %d, want 2..4", n)
	}
}
