package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// redeemOnce redeems the invite with token on siteID, as a person's help
// request on one server does.
func redeemOnce(db *DB, siteID, token string) error {
	ctx := context.Background()
	now := time.Now()
	inv, err := db.LiveInvite(ctx, siteID, token, "", now)
	if err != nil {
		return err
	}
	return db.RedeemInvite(ctx, &store.InviteRedemption{
		InviteID: inv.ID, Now: now,
		Assist:  &tandem.Assist{SiteID: siteID, State: tandem.AssistLive, StartedAt: now},
		Consent: &tandem.Consent{Method: "invite", Allowed: true},
	})
}

// twoHandlesWithSite opens two handles on one new file, as two servers (or a
// server and an admin command) do, with one site created through the first.
func twoHandlesWithSite(t *testing.T) (a, b *DB, site *tandem.Site) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tandem.db")
	a, b = openAt(t, path), openAt(t, path)
	site = &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	if err := a.CreateSite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	return a, b, site
}

// TestTwoServersAcceptOnce is two servers on one file, each with its own
// handle, whose agents accept the same waiting requests at once: each request
// is accepted by exactly one.
func TestTwoServersAcceptOnce(t *testing.T) {
	ctx := context.Background()
	a, b, site := twoHandlesWithSite(t)
	const n = 20
	var requests []*tandem.Assist
	for range n {
		r := &tandem.Assist{SiteID: site.ID}
		if err := a.CreateWaitingAssist(ctx, r, n); err != nil {
			t.Fatal(err)
		}
		requests = append(requests, r)
	}
	var wg sync.WaitGroup
	wins := make([][2]bool, n)
	for server, db := range []*DB{a, b} {
		wg.Go(func() {
			for i, r := range requests {
				next := *r
				next.State, next.AgentID = tandem.AssistConsenting, fmt.Sprintf("agent-on-%d", server)
				err := db.UpdateAssist(ctx, &next, tandem.AssistWaiting)
				switch tandem.ErrorCode(err) {
				case "":
					wins[i][server] = true
				case tandem.EConflict:
				default:
					t.Errorf("server %d accepting %d: %v", server, i, err)
				}
			}
		})
	}
	wg.Wait()
	for i, w := range wins {
		if w[0] == w[1] {
			t.Errorf("request %d: accepted by server a %v, server b %v; want exactly one", i, w[0], w[1])
		}
	}
}

// TestTwoHandlesOneFile is a running server and an admin command on one
// file: each has its own pools, and writes from both at once must wait for
// each other rather than fail with SQLITE_BUSY.
func TestTwoHandlesOneFile(t *testing.T) {
	ctx := context.Background()
	a, b, site := twoHandlesWithSite(t)
	expires := time.Now().Add(time.Hour)
	const n = 8
	for i := range n {
		inv := &tandem.Invite{SiteID: site.ID, TokenHash: fmt.Sprintf("tok-%d", i), ExpiresAt: expires}
		if err := b.CreateInvite(ctx, inv); err != nil {
			t.Fatal(err)
		}
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := make(map[string]int)
	var errs []error
	for i, db := range []*DB{a, b, a, b} {
		wg.Go(func() {
			for j := range n {
				if err := db.AppendAudit(ctx, &tandem.AuditEntry{SessionID: "s", Actor: fmt.Sprintf("w%d", i), Action: "write"}); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
				err := redeemOnce(db, site.ID, fmt.Sprintf("tok-%d", j))
				mu.Lock()
				switch tandem.ErrorCode(err) {
				case "":
					wins[fmt.Sprintf("tok-%d", j)]++
				case tandem.EUsed:
				default:
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("a write from one of two handles failed: %v", err)
	}
	for i := range n {
		if w := wins[fmt.Sprintf("tok-%d", i)]; w != 1 {
			t.Errorf("invite tok-%d was used %d times across two handles, want 1", i, w)
		}
	}
	entries, err := a.AuditFor(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4*n {
		t.Errorf("AuditFor has %d entries, want %d", len(entries), 4*n)
	}
}
