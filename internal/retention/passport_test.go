package retention

import (
	"context"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// Every round of Run deletes the passport's expired grants (and codes and
// passport sessions) and leaves the live ones, however ended.
func TestRunSweepsExpiredGrants(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	site := e.site("Shop", Day)
	id := &tandem.Identity{Email: "sam@example.com", Name: "Sam", CreatedAt: t0.Add(-40 * Day)}
	if err := e.db.CreateIdentity(ctx, id); err != nil {
		t.Fatal(err)
	}
	grant := func(name string, created, expires time.Time) *tandem.Grant {
		g := &tandem.Grant{IdentityID: id.ID, SiteID: site.ID, DeviceID: "d-" + name, DeviceKind: tandem.DeviceBrowser, Scope: "openid",
			AccessHash: "access-" + name, RefreshHash: "refresh-" + name, RotatedAt: created, CreatedAt: created,
			AccessExpiresAt: created.Add(time.Hour), ExpiresAt: expires}
		if _, err := e.db.CreateGrant(ctx, g, ""); err != nil {
			t.Fatal(err)
		}
		return g
	}
	expired := grant("expired", t0.Add(-31*Day), t0.Add(-Day))
	live := grant("live", t0.Add(-Day), t0.Add(29*Day))
	ended := grant("ended", t0.Add(-Day), t0.Add(29*Day))
	if err := e.db.EndGrant(ctx, ended.ID, tandem.GrantRevoked, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	session := &store.PassportSession{TokenHash: "old-session", IdentityID: id.ID, CreatedAt: t0.Add(-31 * Day), ExpiresAt: t0.Add(-Day)}
	if err := e.db.CreatePassportSession(ctx, session); err != nil {
		t.Fatal(err)
	}

	clock := &fakeClock{now: t0}
	obs := &observer{}
	s := New(e.db, e.blobs, Config{Now: clock.Now, Interval: time.Hour, Observer: obs, Passport: e.db})
	runCtx, cancel := context.WithCancel(ctx)
	obs.onSweep = cancel // one round
	done := make(chan struct{})
	go func() {
		s.Run(runCtx)
		close(done)
	}()
	<-done

	if _, err := e.db.GrantByID(ctx, expired.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("the expired grant is still there: %v", err)
	}
	for _, g := range []*tandem.Grant{live, ended} {
		if _, err := e.db.GrantByID(ctx, g.ID); err != nil {
			t.Errorf("grant %s (not expired) was deleted: %v", g.DeviceID, err)
		}
	}
	if _, err := e.db.PassportSessionByHash(ctx, session.TokenHash, t0.Add(-2*Day)); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("the expired passport session is still there: %v", err)
	}
}
