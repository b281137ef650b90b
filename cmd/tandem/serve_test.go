package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServePrintsWhereToGoAndShutsDown runs `tandem serve` as a user would,
// follows what it prints, and stops it as Ctrl-C does.
func TestServePrintsWhereToGoAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--demo-addr", "127.0.0.1:0",
			"--ssh-addr", "127.0.0.1:0", "--turn-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--log-level", "warn"}, nil, w, io.Discard)
		w.Close()
	}()
	lines := map[string]string{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		for _, key := range []string{"Agent console", "Demo site", "Demo login", "TURN (calls)", "Metrics", "Terminal share", "API"} {
			if v, ok := strings.CutPrefix(line, key); ok {
				lines[key] = strings.TrimSpace(v)
			}
		}
		if strings.HasPrefix(line, "Press Ctrl-C") {
			break
		}
	}
	go io.Copy(io.Discard, out)
	for _, key := range []string{"Agent console", "Demo site", "Demo login", "TURN (calls)", "Metrics", "Terminal share", "API"} {
		if lines[key] == "" {
			t.Fatalf("serve did not print %q; got %v", key, lines)
		}
	}
	if !strings.Contains(lines["Demo login"], "@") || !strings.Contains(lines["Demo login"], " / ") {
		t.Fatalf("demo login line = %q", lines["Demo login"])
	}
	base := strings.TrimSuffix(lines["Agent console"], "/console/")
	client := &http.Client{Timeout: 5 * time.Second}
	for _, u := range []string{base + "/healthz", lines["Agent console"], lines["Demo site"], lines["API"], lines["Metrics"]} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", u, resp.StatusCode)
		}
	}
	// Metrics are on their own address, not on the public one.
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET %s/metrics = %d, want 404", base, resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after Ctrl-C", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

func TestServeRefusesBadSettings(t *testing.T) {
	t.Setenv("TANDEM_GRACE", "soon")
	err := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "TANDEM_GRACE") {
		t.Fatalf("bad TANDEM_GRACE: %v", err)
	}
	t.Setenv("TANDEM_GRACE", "30s")
	err = run(context.Background(), []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--log-level", "loud"}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "log-level") {
		t.Fatalf("bad log level: %v", err)
	}
}

// A listen address that is taken names the flag that chooses another.
func TestServeNamesTheFlagOfABusyAddress(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	busyTCP, busyUDP := tcp.Addr().String(), udp.LocalAddr().String()
	for _, tt := range []struct{ flag, busy string }{
		{"addr", busyTCP},
		{"demo-addr", busyTCP},
		{"ssh-addr", busyTCP},
		{"metrics-addr", busyTCP},
		{"turn-addr", busyUDP},
	} {
		t.Run(tt.flag, func(t *testing.T) {
			flags := map[string]string{"addr": "127.0.0.1:0", "demo-addr": "off", "ssh-addr": "off", "metrics-addr": "off", "turn-addr": "off"}
			flags[tt.flag] = tt.busy
			args := []string{"serve", "--data", t.TempDir(), "--log-level", "error"}
			for f, v := range flags {
				args = append(args, "--"+f, v)
			}
			err := run(context.Background(), args, nil, io.Discard, io.Discard)
			want := "listen on " + tt.busy + ": address already in use (choose another with --" + tt.flag + ")"
			if err == nil || err.Error() != want {
				t.Fatalf("serve with --%s %s busy: %v\nwant: %s", tt.flag, tt.busy, err, want)
			}
		})
	}
}

// Bad trusted proxies, sign-in slots or webhook settings stop serve with an error that names
// the value, by flag and by environment variable, before anything starts.
func TestServeRefusesBadProxiesAndSlots(t *testing.T) {
	tests := []struct {
		name string
		env  [2]string
		args []string
		want string
	}{
		{"flag", [2]string{}, []string{"--trusted-proxies", "10.0.0.0/8,proxy.local"}, "proxy.local"},
		{"environment", [2]string{"TANDEM_TRUSTED_PROXIES", "10.0.0.0/99"}, nil, "10.0.0.0/99"},
		{"slots", [2]string{"TANDEM_SIGNIN_SLOTS", "many"}, nil, "TANDEM_SIGNIN_SLOTS"},
		{"negative slots", [2]string{}, []string{"--signin-slots", "-1"}, "signin-slots"},
		{"no waiting", [2]string{"TANDEM_MAX_WAITING", "0"}, nil, `TANDEM_MAX_WAITING="0" is not a whole number of at least 1`},
		{"negative rate", [2]string{"TANDEM_ASSIST_RATE_KIB", "-1"}, nil, `TANDEM_ASSIST_RATE_KIB="-1" is not a whole number`},
		{"webhook allow", [2]string{}, []string{"--webhook-allow", "10.0.0.0/8,intranet"}, `--webhook-allow: webhook allow "intranet" is not an address`},
		{"webhook allow environment", [2]string{"TANDEM_WEBHOOK_ALLOW", "10.0.0.0/33"}, nil, `"10.0.0.0/33"`},
		{"no webhook workers", [2]string{}, []string{"--webhook-workers", "0"}, "--webhook-workers"},
		{"no webhook attempts", [2]string{"TANDEM_WEBHOOK_ATTEMPTS", "0"}, nil, `TANDEM_WEBHOOK_ATTEMPTS="0" is not a whole number of at least 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env[0] != "" {
				t.Setenv(tt.env[0], tt.env[1])
			}
			args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--demo-addr", "off",
				"--ssh-addr", "off", "--turn-addr", "off"}, tt.args...)
			err := run(context.Background(), args, nil, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("serve = %v, want an error naming %q", err, tt.want)
			}
		})
	}
}
