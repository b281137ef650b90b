package backend

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/bus/local"
	"github.com/tandemhq/tandem/internal/bus/natsbus"
	"github.com/tandemhq/tandem/internal/natstest"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestOpenBusRefusesWhatItCannotOpen(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"", "not a URL of a bus (want e.g. local or nats://host:4222)"},
		{"Local", "not a URL of a bus"},
		{"127.0.0.1:4222", "not a URL of a bus"},
		{"redis://u:hunter22@host", `redis://u:xxxxx@host: unknown kind of bus "redis" (want local or nats://)`},
		{"nats://u:hunter22@host:4222/path", "nats://u:xxxxx@host:4222/path: invalid: "},
		{"nats://h1:4222,nats://h2:4222", "not a list"},
	} {
		_, err := OpenBus(context.Background(), tt.url, quietLog())
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "hunter22") {
			t.Errorf("OpenBus(%q) = %v, want %q in it", tt.url, err, tt.want)
		}
		if err := CheckBus(tt.url); err == nil && !strings.HasPrefix(tt.url, "nats://") {
			t.Errorf("CheckBus(%q) accepted it", tt.url)
		}
	}
}

func TestOpenBusUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = OpenBus(ctx, "nats://tandem:hunter22@"+addr, quietLog())
	want := "nats://tandem:xxxxx@" + addr + ": cannot connect: "
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "hunter22") {
		t.Fatalf("OpenBus on a closed port: %v\nwant it to start with %q", err, want)
	}
}

func TestOpenBusKinds(t *testing.T) {
	ctx := context.Background()
	b, err := OpenBus(ctx, BusLocal, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.(*local.Bus); !ok {
		t.Errorf("local is a %T", b)
	}
	b.Close(ctx)

	srv := natstest.Start(t, natstest.Auth{User: "tandem", Password: "hunter22"})
	url := strings.Replace(srv.URL(), "nats://", "nats://tandem:hunter22@", 1)
	b, err = OpenBus(ctx, url, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	if _, ok := b.(*natsbus.Bus); !ok {
		t.Errorf("%s is a %T", url, b)
	}
	s := bus.Queues()
	sub, err := b.Subscribe(t.Context(), s, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(t.Context(), s, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-sub.C():
		if string(m.Data) != "hello" {
			t.Errorf("got %q", m.Data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no message")
	}
}
