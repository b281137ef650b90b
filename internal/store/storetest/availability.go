package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// testAvailability checks agents' availability: away until they say
// otherwise, counted when available, gone with the user.
func testAvailability(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex, sam := newUser(t, s, "alex@example.com"), newUser(t, s, "sam@example.com")
	count := func(want int, what string) {
		t.Helper()
		n, err := s.CountAvailable(ctx)
		must(t, err, "CountAvailable")
		if n != want {
			t.Errorf("%s: %d agents available, want %d", what, n, want)
		}
	}
	if ok, err := s.Available(ctx, alex.ID); err != nil || ok {
		t.Errorf("a new agent: Available = %v, %v; want away", ok, err)
	}
	count(0, "no one said")
	for i, step := range []struct {
		user      *tandem.User
		available bool
		want      int
	}{
		{alex, true, 1},
		{sam, true, 2},
		{alex, true, 2}, // said twice: once counted
		{alex, false, 1},
		{sam, false, 0},
		{sam, true, 1},
	} {
		must(t, s.SetAvailable(ctx, step.user.ID, step.available, at(i)), "SetAvailable")
		if ok, err := s.Available(ctx, step.user.ID); err != nil || ok != step.available {
			t.Errorf("step %d: Available(%s) = %v, %v; want %v", i, step.user.Email, ok, err, step.available)
		}
		count(step.want, "after step")
	}
	wantCode(t, s.SetAvailable(ctx, "no-such-user", true, at(9)), tandem.ENotFound, "SetAvailable of no user")
	must(t, s.DeleteUser(ctx, sam.ID), "DeleteUser")
	count(0, "the available agent deleted")
}

// testPickupTimeout checks a site's pick-up time: the default, set, never,
// out of range (refused, unchanged), and gone with the site.
func testPickupTimeout(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	get := func(want time.Duration, what string) {
		t.Helper()
		d, err := s.PickupTimeout(ctx, site.ID)
		must(t, err, "PickupTimeout")
		if d != want {
			t.Errorf("%s: pick-up time %v, want %v", what, d, want)
		}
	}
	get(store.DefaultPickupTimeout, "never set")
	for _, c := range []struct {
		set  time.Duration
		code string
		want time.Duration
	}{
		{90 * time.Second, "", 90 * time.Second},
		{0, "", 0},
		{-time.Second, tandem.EInvalid, 0},
		{store.MaxPickupTimeout + time.Millisecond, tandem.EInvalid, 0},
		{store.MaxPickupTimeout, "", store.MaxPickupTimeout},
	} {
		err := s.SetPickupTimeout(ctx, site.ID, c.set, at(1))
		if c.code == "" {
			must(t, err, "SetPickupTimeout")
		} else {
			wantCode(t, err, c.code, "SetPickupTimeout out of range")
		}
		get(c.want, "after setting "+c.set.String())
	}
	wantCode(t, s.SetPickupTimeout(ctx, "no-such-site", time.Minute, at(2)), tandem.ENotFound, "SetPickupTimeout of no site")
	must(t, s.DeleteSite(ctx, site.ID), "DeleteSite")
	must(t, s.CreateSite(ctx, &tandem.Site{ID: site.ID, Name: "Shop again", AllowedOrigins: []string{"https://shop.example"}}), "CreateSite")
	get(store.DefaultPickupTimeout, "a site made anew with the same id")
}

// testLeftMessages checks the mark of a request whose person left a
// message: the first time kept, listed by assist, gone with the assist.
func testLeftMessages(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	a, b := newAssist(t, s, site.ID, at(0)), newAssist(t, s, site.ID, at(1))
	must(t, s.MarkLeftMessage(ctx, a.ID, at(2)), "MarkLeftMessage")
	must(t, s.MarkLeftMessage(ctx, a.ID, at(3)), "MarkLeftMessage again")
	wantCode(t, s.MarkLeftMessage(ctx, "no-such-assist", at(2)), tandem.ENotFound, "MarkLeftMessage of no assist")
	got, err := s.LeftMessages(ctx, []string{a.ID, b.ID, "no-such-assist"})
	must(t, err, "LeftMessages")
	if len(got) != 1 || !sameTime(got[a.ID], at(2)) {
		t.Errorf("LeftMessages = %v, want only %s at %v", got, a.ID, at(2))
	}
	if got, err := s.LeftMessages(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("LeftMessages(nil) = %v, %v", got, err)
	}
	must(t, s.DeleteSite(ctx, site.ID), "DeleteSite")
	if got, err := s.LeftMessages(ctx, []string{a.ID}); err != nil || len(got) != 0 {
		t.Errorf("after the site's deletion, LeftMessages = %v, %v", got, err)
	}
}
