package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// raceRotate: two tabs (on two servers) refresh one grant from the same
// generation at once: exactly one rotation wins, every other gets a
// conflict (and takes the grace path), and the stored tokens are the
// winner's.
func raceRotate(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	l := newServiceLine(t, s[0], "Shop", false)
	id := newIdentity(t, s[0], "robin@example.com")
	for round := range 5 {
		g, _ := newGrant(t, s[round%2], fmt.Sprintf("g%d", round), id, l.SiteID, "phone", round, "")
		won := race(t, racers, tandem.EConflict, "a rotation", func(i int) error {
			return s[i%2].RotateGrant(ctx, &store.RotateGrant{GrantID: g.ID, FromGeneration: 0,
				AccessHash: sha(fmt.Sprintf("a%d.%d", round, i)), RefreshHash: sha(fmt.Sprintf("r%d.%d", round, i)),
				AccessExpiresAt: at(round + 20), ExpiresAt: at(round + 700), At: at(round + 1)})
		})
		if len(won) != 1 {
			t.Fatalf("round %d: rotations %v won, want exactly one", round, won)
		}
		got, err := s[1-won[0]%2].GrantByID(ctx, g.ID)
		must(t, err, "GrantByID")
		if got.Generation != 1 || got.AccessHash != sha(fmt.Sprintf("a%d.%d", round, won[0])) || got.PrevRefreshHash != g.RefreshHash {
			t.Errorf("round %d: stored generation %d, access %s, previous %s; want 1, the winner's, the first", round, got.Generation,
				got.AccessHash, got.PrevRefreshHash)
		}
	}
}

// raceTakeCode: one code is exchanged on two servers at once (a replayed
// request): exactly one exchange gets it.
func raceTakeCode(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	l := newServiceLine(t, s[0], "Shop", false)
	id := newIdentity(t, s[0], "robin@example.com")
	for round := range 5 {
		c := newCode(l, id, fmt.Sprintf("code%d", round), round)
		must(t, s[round%2].CreateAuthCode(ctx, c), "CreateAuthCode")
		got := make([]*tandem.AuthCode, racers)
		won := race(t, racers, tandem.ENotFound, "an exchange", func(i int) error {
			var err error
			got[i], err = s[i%2].TakeAuthCode(ctx, c.Hash, at(round))
			return err
		})
		if len(won) != 1 {
			t.Fatalf("round %d: exchanges %v got the code, want exactly one", round, won)
		}
		if w := got[won[0]]; w.Hash != c.Hash || w.IdentityID != id.ID {
			t.Errorf("round %d: the winner got %+v", round, w)
		}
	}
}

// raceOneDevice: a person signs in to a one-device site from several
// devices at once, on two servers: every sign-in succeeds, each grant
// ends at most once, and afterwards exactly one of them is live.
func raceOneDevice(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	l := newServiceLine(t, s[0], "Bank", true)
	for round := range 3 {
		id := newIdentity(t, s[0], fmt.Sprintf("robin%d@example.com", round))
		var mu sync.Mutex
		var ended []string
		race(t, racers, "", "a sign-in", func(i int) error {
			g := &tandem.Grant{IdentityID: id.ID, SiteID: l.SiteID, DeviceID: fmt.Sprintf("device-%d", i), DeviceKind: tandem.DeviceBrowser,
				AccessHash: sha(fmt.Sprintf("a%d.%d", round, i)), RefreshHash: sha(fmt.Sprintf("r%d.%d", round, i)),
				AccessExpiresAt: at(10), ExpiresAt: at(600), CreatedAt: at(round)}
			e, err := s[i%2].CreateGrant(ctx, g, tandem.GrantSignedInElsewhere)
			mu.Lock()
			ended = append(ended, e...)
			mu.Unlock()
			return err
		})
		live, err := s[1].ListGrants(ctx, store.GrantFilter{SiteID: l.SiteID, IdentityID: id.ID, LiveAt: at(round)})
		must(t, err, "ListGrants")
		if len(live) != 1 {
			t.Errorf("round %d: %d live grants after racing sign-ins, want exactly one", round, len(live))
		}
		all, err := s[0].ListGrants(ctx, store.GrantFilter{SiteID: l.SiteID, IdentityID: id.ID})
		must(t, err, "ListGrants")
		slices.Sort(ended)
		if len(all) != racers || len(ended) != racers-1 || len(slices.Compact(ended)) != racers-1 {
			t.Errorf("round %d: %d grants, %d endings (each grant once? %v); want %d and %d", round, len(all), len(ended),
				len(slices.Compact(slices.Clone(ended))) == len(ended), racers, racers-1)
		}
		for _, g := range all {
			if g.EndedAt.IsZero() != (g.ID == live[0].ID) || (!g.EndedAt.IsZero() && g.EndReason != tandem.GrantSignedInElsewhere) {
				t.Errorf("round %d: grant %s ended %v for %q", round, g.DeviceID, g.EndedAt, g.EndReason)
			}
		}
	}
}
