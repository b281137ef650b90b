package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM makes serve drain: /readyz says it is stopping (load balancers
// send no more clients) while /healthz still answers, for the drain delay,
// before the sessions are handed over; a second SIGTERM stops it at once.
func TestServeDrainsOnSIGTERMAndStopsAtOnceOnTheSecond(t *testing.T) {
	// The context ends on SIGTERM, as cli.Main makes it.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	out, outW := io.Pipe()
	logs, logsW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--demo-addr", "off", "--ssh-addr", "off",
			"--turn-addr", "off", "--log-level", "info", "--drain-delay", "1h"}, nil, outW, logsW)
		outW.Close()
		logsW.Close()
	}()
	// The logs are read from the start, so that serve never waits on them.
	drainLogged := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "draining") {
				close(drainLogged)
			}
		}
		io.Copy(io.Discard, logs)
	}()
	var base string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "Agent console"); ok {
			base = strings.TrimSuffix(strings.TrimSpace(v), "/console/")
		}
		if strings.HasPrefix(line, "Press Ctrl-C") {
			break
		}
	}
	go io.Copy(io.Discard, out)
	if base == "" {
		t.Fatalf("serve did not start: %v", <-done)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	status := func(path string) int {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("/readyz"); got != http.StatusOK {
		t.Fatalf("GET /readyz before SIGTERM = %d", got)
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-drainLogged:
	case err := <-done:
		t.Fatalf("serve stopped on the first SIGTERM (%v) instead of draining", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start draining on SIGTERM")
	}
	if got := status("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz while draining = %d, want 503", got)
	}
	if got := status("/healthz"); got != http.StatusOK {
		t.Errorf("GET /healthz while draining = %d, want 200 (the process is alive)", got)
	}

	// The drain delay is an hour: only the second signal can stop it now.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after the second SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on the second SIGTERM")
	}
}
