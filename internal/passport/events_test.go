package passport_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/bus/local"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// twoNodes is a passport served by two nodes over one store and one bus.
type twoNodes struct {
	a, b     *passport.Service
	client   *passport.Client
	identity *tandem.Identity
	redirect string
}

func newTwoNodes(t *testing.T, oneDevice bool) *twoNodes {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := local.New()
	t.Cleanup(func() { b.Close(context.Background()) })
	secret := []byte("a signing key long enough for the passport")
	n := &twoNodes{redirect: "https://shop.example/cb"}
	for _, svc := range []**passport.Service{&n.a, &n.b} {
		// A verification stays cached for a minute: only the bus can
		// make the other node forget it in time.
		s, err := passport.New(passport.Config{Secret: secret, Issuer: "https://tandem.example", Bus: b, VerifyTTL: time.Minute}, db)
		if err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); s.RunEvents(runCtx) }()
		t.Cleanup(func() { stop(); <-done })
		*svc = s
	}
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	if err := db.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := db.PutServiceLine(ctx, &tandem.ServiceLine{SiteID: site.ID, Domains: site.AllowedOrigins, RedirectURIs: []string{n.redirect},
		Devices: []tandem.DeviceKind{tandem.DeviceBrowser}, AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour, OneDevice: oneDevice,
		CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	n.identity = &tandem.Identity{Email: "sam@example.com", Name: "Sam", CreatedAt: now}
	if err := db.CreateIdentity(ctx, n.identity); err != nil {
		t.Fatal(err)
	}
	if n.client, err = n.a.LookupClient(ctx, site.Key); err != nil {
		t.Fatal(err)
	}
	// The nodes publish their first signing key before any sign-in.
	if err := n.a.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

// signIn signs the person in on node a from device and returns the tokens.
func (n *twoNodes) signIn(t *testing.T, device string) *passport.Tokens {
	t.Helper()
	verifier := "a-code-verifier-of-enough-length-0123456789-" + device
	r := &passport.AuthRequest{ClientID: n.client.ID(), RedirectURI: n.redirect, ResponseType: "code", Scope: "openid",
		CodeChallenge: passport.S256(verifier), CodeChallengeMethod: "S256"}
	code, err := n.a.IssueCode(t.Context(), n.client, r, n.identity.ID, device)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := n.a.Exchange(t.Context(), n.client, code, n.redirect, verifier)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (n *twoNodes) verify(t *testing.T, s *passport.Service, token string) *passport.Verification {
	t.Helper()
	v, err := s.Verify(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func nextEvent(t *testing.T, c <-chan passport.GrantEvent) passport.GrantEvent {
	t.Helper()
	select {
	case e, ok := <-c:
		if !ok {
			t.Fatal("the event stream closed")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no grant event")
	}
	return passport.GrantEvent{}
}

// A change made on one node reaches the followers and the verify cache
// of the other: refresh ahead, then a revocation.
func TestGrantEventsCrossNodes(t *testing.T) {
	n := newTwoNodes(t, false)
	tok := n.signIn(t, "laptop")
	v := n.verify(t, n.b, tok.AccessToken)
	if !v.Active || v.RefreshAhead {
		t.Fatalf("a fresh token verifies as %+v", v)
	}
	events, err := n.b.Follow(t.Context(), v.GrantID)
	if err != nil {
		t.Fatal(err)
	}

	if err := n.a.RequestRefresh(t.Context(), v.GrantID, "user:admin"); err != nil {
		t.Fatal(err)
	}
	if e := nextEvent(t, events); e != (passport.GrantEvent{Type: "refresh", GrantID: v.GrantID}) {
		t.Errorf("after RequestRefresh on the other node: %+v", e)
	}
	if v := n.verify(t, n.b, tok.AccessToken); !v.Active || !v.RefreshAhead {
		t.Errorf("the other node's cache kept the grant from before RequestRefresh: %+v", v)
	}

	// The client refreshes: the request is done, and the old access token
	// stops at once on the node that had it cached.
	fresh, err := n.a.Refresh(t.Context(), n.client, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	// The change travels by the bus: wait for it, well within the
	// minute the other node would otherwise keep its answer.
	for deadline := time.Now().Add(10 * time.Second); n.verify(t, n.b, tok.AccessToken).Active; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the rotated access token is still active on the other node")
		}
	}
	if v := n.verify(t, n.b, fresh.AccessToken); !v.Active || v.RefreshAhead {
		t.Errorf("after the refresh: %+v, want active without refreshAhead", v)
	}

	if err := n.a.EndGrant(t.Context(), v.GrantID, tandem.GrantRevoked, "user:admin"); err != nil {
		t.Fatal(err)
	}
	if e := nextEvent(t, events); e != (passport.GrantEvent{Type: "ended", GrantID: v.GrantID, Reason: "revoked"}) {
		t.Errorf("after EndGrant on the other node: %+v", e)
	}
	if v := n.verify(t, n.b, fresh.AccessToken); v.Active || v.Reason != "revoked" {
		t.Errorf("the other node still verifies a revoked token as %+v", v)
	}
	if err := n.a.RequestRefresh(t.Context(), v.GrantID, "user:admin"); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("RequestRefresh of an ended grant: %v, want not found", err)
	}
}

// A sign-in on another device of a one-device site tells the first
// device's followers; one who starts following after the end hears it at
// once; a follower's stream closes with its context.
func TestGrantEventsSignedInElsewhere(t *testing.T) {
	n := newTwoNodes(t, true)
	first := n.verify(t, n.a, n.signIn(t, "laptop").AccessToken)
	events, err := n.b.Follow(t.Context(), first.GrantID)
	if err != nil {
		t.Fatal(err)
	}
	n.signIn(t, "phone")
	if e := nextEvent(t, events); e.Type != "ended" || e.Reason != "signed_in_elsewhere" {
		t.Errorf("the first device heard %+v", e)
	}

	ctx, cancel := context.WithCancel(t.Context())
	late, err := n.b.Follow(ctx, first.GrantID)
	if err != nil {
		t.Fatal(err)
	}
	if e := nextEvent(t, late); e.Type != "ended" || e.Reason != "signed_in_elsewhere" {
		t.Errorf("a follower of an ended grant heard %+v", e)
	}
	cancel()
	select {
	case _, ok := <-late:
		if ok {
			t.Error("an event after the follower's context ended")
		}
	case <-time.After(10 * time.Second):
		t.Error("the stream did not close with its context")
	}
	if _, err := n.b.Follow(t.Context(), "no-such-grant"); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("Follow of no grant: %v, want not found", err)
	}
}
