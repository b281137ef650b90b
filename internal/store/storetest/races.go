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

// racers is how many calls each race makes at once: enough that on two
// cores the calls overlap, both within one handle and across the two.
const racers = 16

// RunRaces runs the races that the store must win for its callers: two
// accepts of one request, two redemptions of one invite, accept against
// end, requests at the budget, two ends of a terminal session, nodes
// taking, taking over and renewing one lease, posts numbered in one
// conversation, one post retried, workers claiming deliveries, reads on
// several devices, refreshes of one grant, exchanges of one code, sign-ins
// from several devices to a one-device site. open must
// return two handles on one new, empty store, as two servers have (for
// SQLite, two *DB on one file); racing calls alternate between them.
// RunRaces closes what it opens.
func RunRaces(t *testing.T, open func(t *testing.T) (store.Store, store.Store)) {
	races := []struct {
		name string
		fn   func(t *testing.T, s [2]store.Store)
	}{
		{"TwoAccepts", raceAccepts},
		{"TwoRedemptions", raceRedemptions},
		{"AcceptVsEnd", raceAcceptVsEnd},
		{"AllowVsEnd", raceAllowVsEnd},
		{"Budget", raceBudget},
		{"TwoEndTerminal", raceEndTerminal},
		{"TwoEndLiveTerminals", raceEndLiveTerminals},
		{"TwoLeaseAcquires", raceAcquires},
		{"LeaseTakeoversOfLapsed", raceTakeovers},
		{"LeaseRenewVsTakeover", raceRenewVsTakeover},
		{"PostSeq", racePostSeq},
		{"ClientID", raceClientID},
		{"Claims", raceClaims},
		{"MarkRead", raceMarkRead},
		{"GrantRotations", raceRotate},
		{"CodeExchanges", raceTakeCode},
		{"OneDeviceSignIns", raceOneDevice},
	}
	for _, r := range races {
		t.Run(r.name, func(t *testing.T) {
			a, b := open(t)
			t.Cleanup(func() {
				for _, s := range []store.Store{a, b} {
					if err := s.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				}
			})
			r.fn(t, [2]store.Store{a, b})
		})
	}
}

// raceAccepts: agents on two servers accept one waiting request at once:
// exactly one moves it on, every other gets a conflict, and the stored
// agent is the winner.
func raceAccepts(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	site := newSite(t, s[0], "Shop")
	for round := range 5 {
		a := newAssist(t, s[round%2], site.ID, at(round))
		won := race(t, racers, tandem.EConflict, "an accept", func(i int) error {
			next := *a
			next.State, next.AgentID = tandem.AssistConsenting, fmt.Sprintf("agent-%d", i)
			return s[i%2].UpdateAssist(ctx, &next, tandem.AssistWaiting)
		})
		if len(won) != 1 {
			t.Fatalf("round %d: accepts %v won, want exactly one", round, won)
		}
		got, err := s[1-won[0]%2].AssistByID(ctx, a.ID)
		must(t, err, "AssistByID")
		if got.State != tandem.AssistConsenting || got.AgentID != fmt.Sprintf("agent-%d", won[0]) {
			t.Errorf("round %d: stored %s by %q, want consenting by the winner agent-%d", round, got.State, got.AgentID, won[0])
		}
	}
}

// raceRedemptions: people on two servers redeem one invite at once, each
// having found it live: exactly one redemption happens, with one assist and
// one consent, and the losers leave nothing behind.
func raceRedemptions(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	for round := range 5 {
		site := newSite(t, s[0], fmt.Sprintf("Shop%d", round))
		inv := &tandem.Invite{SiteID: site.ID, AgentID: "agent-1", TokenHash: fmt.Sprintf("tok-%d", round), ExpiresAt: at(60)}
		must(t, s[round%2].CreateInvite(ctx, inv), "CreateInvite")
		rs := make([]*store.InviteRedemption, racers)
		for i := range rs {
			rs[i] = redemption(inv.ID, site.ID, at(1))
			rs[i].Assist.PersonID = fmt.Sprintf("person-%d", i)
		}
		won := race(t, racers, tandem.EUsed, "a redemption", func(i int) error {
			return s[i%2].RedeemInvite(ctx, rs[i])
		})
		if len(won) != 1 {
			t.Fatalf("round %d: redemptions %v won, want exactly one", round, won)
		}
		w := rs[won[0]]
		list, err := s[1].ListAssists(ctx, store.AssistFilter{SiteID: site.ID})
		must(t, err, "ListAssists")
		if len(list) != 1 || list[0].ID != w.Assist.ID || list[0].PersonID != w.Assist.PersonID || list[0].AgentID != "agent-1" {
			t.Errorf("round %d: the site has assists %+v, want only the winner's %s", round, list, w.Assist.ID)
		}
		cs, err := s[0].ConsentsFor(ctx, w.Assist.ID)
		must(t, err, "ConsentsFor")
		if len(cs) != 1 || !cs[0].Allowed || cs[0].AssistID != w.Assist.ID {
			t.Errorf("round %d: the winner's assist has consents %+v, want one", round, cs)
		}
		_, err = s[1].LiveInvite(ctx, site.ID, inv.TokenHash, "", at(2))
		wantCode(t, err, tandem.EUsed, "the raced invite afterwards")
	}
}

// raceStates races callers that each move one assist out of from: those
// with even i to even, the others to odd. Exactly one may win; it returns
// the winner, having checked that the stored state is the winner's.
func raceStates(t *testing.T, s [2]store.Store, a *tandem.Assist, from, even, odd tandem.AssistState) int {
	t.Helper()
	ctx := context.Background()
	move := func(i int) *tandem.Assist {
		next := *a
		next.State = even
		if i%2 == 1 {
			next.State = odd
		}
		next.AgentID = fmt.Sprintf("agent-%d", i)
		if next.State == tandem.AssistEnded {
			next.EndedAt, next.EndReason = at(9), fmt.Sprintf("ended by %d", i)
		}
		return &next
	}
	// i%2 picks the move and (i/2)%2 the handle, so each move runs on both.
	won := race(t, racers, tandem.EConflict, "a move from "+string(from), func(i int) error {
		return s[(i/2)%2].UpdateAssist(ctx, move(i), from)
	})
	if len(won) != 1 {
		t.Fatalf("moves %v from %s all won, want exactly one", won, from)
	}
	want := move(won[0])
	got, err := s[0].AssistByID(ctx, a.ID)
	must(t, err, "AssistByID")
	if got.State != want.State || got.AgentID != want.AgentID || got.EndReason != want.EndReason {
		t.Errorf("stored %s by %q (%q), want the winner's %s by %q (%q)", got.State, got.AgentID, got.EndReason, want.State, want.AgentID, want.EndReason)
	}
	return won[0]
}

// raceAcceptVsEnd: an agent accepts a request as the person cancels it:
// one of them wins, and the other is told, changing nothing.
func raceAcceptVsEnd(t *testing.T, s [2]store.Store) {
	site := newSite(t, s[0], "Shop")
	wins := map[bool]int{}
	for round := range 6 {
		a := newAssist(t, s[round%2], site.ID, at(round))
		wins[raceStates(t, s, a, tandem.AssistWaiting, tandem.AssistConsenting, tandem.AssistEnded)%2 == 1]++
	}
	t.Logf("accept won %d rounds, end %d", wins[false], wins[true])
}

// raceAllowVsEnd: the person allows an agent in as the agent gives up:
// one of them wins.
func raceAllowVsEnd(t *testing.T, s [2]store.Store) {
	site := newSite(t, s[0], "Shop")
	for round := range 6 {
		a := newAssistIn(t, s[round%2], site.ID, at(round), tandem.AssistConsenting)
		raceStates(t, s, a, tandem.AssistConsenting, tandem.AssistLive, tandem.AssistEnded)
	}
}

// raceBudget: many requests for a site arrive at two servers at once:
// exactly the budget of them wait, round after round as agents take them.
func raceBudget(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	site := newSite(t, s[0], "Shop")
	const budget = 5
	for round := range 4 {
		won := race(t, 2*racers, tandem.EUnavailable, "a request", func(i int) error {
			return s[i%2].CreateWaitingAssist(ctx, &tandem.Assist{SiteID: site.ID, PersonID: fmt.Sprintf("person-%d-%d", round, i)}, budget)
		})
		waiting, err := s[1].ListAssists(ctx, store.AssistFilter{SiteID: site.ID, States: []tandem.AssistState{tandem.AssistWaiting}})
		must(t, err, "ListAssists")
		if len(won) != budget || len(waiting) != budget {
			t.Fatalf("round %d: %d of %d requests got in and %d wait, want the budget %d", round, len(won), 2*racers, len(waiting), budget)
		}
		// Agents take every waiting request, making room for the next round.
		for _, a := range waiting {
			next := *a
			next.State, next.AgentID = tandem.AssistConsenting, "agent-1"
			must(t, s[0].UpdateAssist(ctx, &next, tandem.AssistWaiting), "accept")
		}
	}
}

// raceEndTerminal: the host leaves as an admin ends the session, on two
// servers at once: every call succeeds, and the stored end is one caller's
// whole (its time with its reason), the host's key gone.
func raceEndTerminal(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	for round := range 5 {
		hostKey, _ := newKey(t, "host")
		term := &store.Terminal{HostKey: hostKey, HostName: "build-01", CreatedAt: at(0)}
		must(t, s[round%2].CreateTerminal(ctx, term), "CreateTerminal")
		won := race(t, racers, "", "an end", func(i int) error {
			return s[i%2].EndTerminal(ctx, term.ID, fmt.Sprintf("end %d", i), at(10+i))
		})
		if len(won) != racers {
			t.Errorf("round %d: %d of %d ends succeeded, want all", round, len(won), racers)
		}
		got, err := s[0].TerminalByID(ctx, term.ID)
		must(t, err, "TerminalByID")
		var i int
		if _, err := fmt.Sscanf(got.EndReason, "end %d", &i); err != nil || !sameTime(got.EndedAt, at(10+i)) {
			t.Errorf("round %d: stored end %v %q, not one caller's time and reason", round, got.EndedAt, got.EndReason)
		}
		if got.HostKey != "" {
			t.Errorf("round %d: the host key outlived the session", round)
		}
	}
}

// raceEndLiveTerminals: two servers starting at once each end the sessions a
// previous run left live: each session is ended, and reported, by one.
func raceEndLiveTerminals(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	var want []string
	for i := range 20 {
		term := &store.Terminal{HostName: fmt.Sprintf("host-%d", i), CreatedAt: at(i)}
		must(t, s[i%2].CreateTerminal(ctx, term), "CreateTerminal")
		want = append(want, term.ID)
	}
	var mu sync.Mutex
	var got []string
	won := race(t, racers, "", "EndLiveTerminals", func(i int) error {
		ids, err := s[i%2].EndLiveTerminals(ctx, fmt.Sprintf("restart %d", i), at(100))
		mu.Lock()
		got = append(got, ids...)
		mu.Unlock()
		return err
	})
	if len(won) != racers {
		t.Errorf("%d of %d EndLiveTerminals succeeded, want all", len(won), racers)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("racing EndLiveTerminals reported %d ids %v, want each of the %d live sessions once", len(got), got, len(want))
	}
	live, err := s[1].ListTerminals(ctx, true, 100)
	must(t, err, "ListTerminals")
	if len(live) != 0 {
		t.Errorf("%d sessions are still live", len(live))
	}
}
