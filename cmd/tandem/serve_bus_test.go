package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/natstest"
)

// serve refuses a bus it cannot use, from the flag or the environment,
// naming the flag and never the password, and makes nothing.
func TestServeNamesTheFlagOfABadBus(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	data := filepath.Join(t.TempDir(), "data")
	for _, tt := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--bus", "redis://u:hunter22@host"}, "", `--bus redis://u:xxxxx@host: unknown kind of bus "redis" (want local or nats://)`},
		{[]string{"--bus", "nats-host:4222"}, "", "--bus nats-host:4222: not a URL of a bus (want e.g. local or nats://host:4222)"},
		{[]string{"--bus", "nats://u:hunter22@host:4222/x"}, "", "--bus nats://u:xxxxx@host:4222/x: invalid: "},
		{nil, "nats://u:hunter22@host:4222?x=1", "--bus nats://u:xxxxx@host:4222?x=1: invalid: "},
		{[]string{"--bus", "nats://tandem:hunter22@" + closed}, "", "--bus nats://tandem:xxxxx@" + closed + ": cannot connect: "},
	} {
		if tt.env != "" {
			t.Setenv("TANDEM_BUS", tt.env)
		} else {
			os.Unsetenv("TANDEM_BUS")
		}
		err := run(context.Background(), append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--demo-addr", "off",
			"--ssh-addr", "off", "--turn-addr", "off", "--log-level", "error"}, tt.args...), nil, io.Discard, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "hunter22") {
			t.Errorf("serve %s (TANDEM_BUS=%q): %v\nwant it to start with %q", strings.Join(tt.args, " "), tt.env, err, tt.want)
		}
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("a refused serve made its data directory: %v", err)
	}
}

// serve --bus nats://… connects to the NATS server before it says it is
// running.
func TestServeConnectsToTheBus(t *testing.T) {
	srv := natstest.Start(t, natstest.Auth{Token: "bus-token-1"})
	url := strings.Replace(srv.URL(), "nats://", "nats://bus-token-1@", 1)
	s := serve(t, "--data", t.TempDir(), "--bus", url)
	if n := srv.Clients(); n != 1 {
		t.Errorf("the NATS server has %d clients with serve running, want 1", n)
	}
	s.stop()
}
