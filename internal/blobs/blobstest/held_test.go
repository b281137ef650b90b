package blobstest

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/blobs"
)

func TestHeldStore(t *testing.T) {
	t.Run("Conformance", func(t *testing.T) {
		Run(t, func(*testing.T) blobs.Store { return &HeldStore{Store: NewMemStore()} })
	})

	ctx := t.Context()
	s := &HeldStore{Store: NewMemStore()}
	for _, k := range []string{"a", "b"} {
		if err := s.Put(ctx, k, strings.NewReader("blob "+k)); err != nil {
			t.Fatal(err)
		}
	}
	read := func(ctx context.Context, key string) (string, error) {
		rc, err := s.Get(ctx, key)
		if err != nil {
			return "", err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		return string(b), err
	}
	type result struct {
		data string
		err  error
	}
	getAsync := func(ctx context.Context, key string) <-chan result {
		c := make(chan result, 1)
		go func() {
			data, err := read(ctx, key)
			c <- result{data, err}
		}()
		return c
	}

	waiting := s.Hold("a")
	if got, err := read(ctx, "b"); err != nil || got != "blob b" {
		t.Errorf("Get of a key not held = %q, %v", got, err)
	}
	first, second := getAsync(ctx, "a"), getAsync(ctx, "a")
	<-waiting
	// A Get that has closed waiting goes on only after Release.
	select {
	case r := <-first:
		t.Fatalf("a held Get returned %+v before Release", r)
	case r := <-second:
		t.Fatalf("a held Get returned %+v before Release", r)
	default:
	}
	cancelled, cancel := context.WithCancel(ctx)
	third := getAsync(cancelled, "a")
	cancel()
	if r := <-third; !errors.Is(r.err, context.Canceled) {
		t.Errorf("a held Get whose context ends = %+v, want context.Canceled", r)
	}
	s.Release()
	for _, c := range []<-chan result{first, second} {
		if r := <-c; r.err != nil || r.data != "blob a" {
			t.Errorf("a held Get after Release = %+v", r)
		}
	}
	if got, err := read(ctx, "a"); err != nil || got != "blob a" {
		t.Errorf("Get after Release = %q, %v", got, err)
	}
	s.Release() // nothing held: no effect
}
