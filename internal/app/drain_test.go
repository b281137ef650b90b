package app_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
)

// Drain says "stopping" on /readyz first of all, while /healthz still
// answers, and waits the drain delay for the load balancers, within its
// context.
func TestDrainSaysStoppingFirst(t *testing.T) {
	ts := apptest.Start(t, app.Config{DrainDelay: time.Hour}, faultOrigin)
	get := func(path string) int {
		t.Helper()
		resp, err := http.Get(ts.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("/readyz"); got != http.StatusOK {
		t.Fatalf("GET /readyz before Drain = %d", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	if err := ts.Drain(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Drain with its context ended during the delay: %v, want it cancelled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Drain took %v with its context ended", d)
	}
	if got := get("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz after Drain began = %d, want 503", got)
	}
	if got := get("/healthz"); got != http.StatusOK {
		t.Errorf("GET /healthz while draining = %d, want 200", got)
	}
}
