package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// testSecrets: the first value stored under a name is the one every caller
// gets, however many race to create it, byte for byte.
func testSecrets(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 16
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			got[i], errs[i] = s.Secret(ctx, "cookie-key", []byte(fmt.Sprintf("fresh-%02d\x00\xff", i)))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		must(t, err, fmt.Sprintf("racing Secret %d", i))
	}
	winner := -1
	for i := range n {
		if bytes.Equal(got[0], []byte(fmt.Sprintf("fresh-%02d\x00\xff", i))) {
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("Secret returned %q, none of the fresh values", got[0])
	}
	for i, v := range got {
		if !bytes.Equal(v, got[0]) {
			t.Errorf("racing caller %d got %q, caller 0 got %q: servers would disagree", i, v, got[0])
		}
	}

	again, err := s.Secret(ctx, "cookie-key", []byte("later"))
	must(t, err, "Secret again")
	if !bytes.Equal(again, got[0]) {
		t.Errorf("a later Secret replaced the value: %q, want %q", again, got[0])
	}
	hostKey, err := s.Secret(ctx, "ssh-host-key", []byte("host"))
	must(t, err, "Secret of another name")
	if string(hostKey) != "host" {
		t.Errorf("a second name got %q, want its own fresh value", hostKey)
	}

	_, err = s.Secret(ctx, "", []byte("x"))
	wantCode(t, err, tandem.EInvalid, "Secret without a name")
	_, err = s.Secret(ctx, "empty", nil)
	wantCode(t, err, tandem.EInvalid, "Secret without a fresh value")
	v, err := s.Secret(ctx, "empty", []byte("set"))
	must(t, err, "Secret after a rejected one")
	if string(v) != "set" {
		t.Errorf("a rejected Secret stored something: %q", v)
	}
}

// testPing: an open store answers.
func testPing(t *testing.T, s store.Store) {
	must(t, s.Ping(context.Background()), "Ping")
}
