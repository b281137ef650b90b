package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// testAssistTransitions: UpdateAssist is a compare-and-set on the state, and
// only moves an assist forward.
func testAssistTransitions(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	a := newAssist(t, s, site.ID, at(0))

	// A writer that believes the assist is consenting is refused: it is waiting.
	next := *a
	next.State, next.AgentID = tandem.AssistLive, "agent-1"
	wantCode(t, s.UpdateAssist(ctx, &next, tandem.AssistConsenting), tandem.EConflict, "UpdateAssist from a stale state")
	// waiting → live skips consent.
	wantCode(t, s.UpdateAssist(ctx, &next, tandem.AssistWaiting), tandem.EInvalid, "UpdateAssist waiting → live")
	got, err := s.AssistByID(ctx, a.ID)
	must(t, err, "AssistByID")
	if got.State != tandem.AssistWaiting || got.AgentID != "" {
		t.Errorf("refused updates changed the assist to %+v", got)
	}

	next = *a
	next.State, next.EndedAt, next.EndReason = tandem.AssistEnded, at(1), "cancelled by the person"
	must(t, s.UpdateAssist(ctx, &next, tandem.AssistWaiting), "UpdateAssist waiting → ended")
	// Nothing leaves ended: not another end (its reason stays), not a revival.
	again := next
	again.EndReason = "server restarted"
	wantCode(t, s.UpdateAssist(ctx, &again, tandem.AssistEnded), tandem.EInvalid, "UpdateAssist ended → ended")
	wantCode(t, s.UpdateAssist(ctx, &again, tandem.AssistLive), tandem.EConflict, "UpdateAssist live → ended of an ended assist")
	revive := next
	revive.State = tandem.AssistConsenting
	wantCode(t, s.UpdateAssist(ctx, &revive, tandem.AssistWaiting), tandem.EConflict, "UpdateAssist of an ended assist")
	got, err = s.AssistByID(ctx, a.ID)
	must(t, err, "AssistByID")
	if got.State != tandem.AssistEnded || got.EndReason != "cancelled by the person" {
		t.Errorf("an ended assist was changed to %+v", got)
	}

	for _, tt := range []struct {
		from, to tandem.AssistState
		ok       bool
	}{
		{tandem.AssistWaiting, tandem.AssistConsenting, true},
		{tandem.AssistConsenting, tandem.AssistLive, true},
		{tandem.AssistLive, tandem.AssistEnded, true},
		{tandem.AssistLive, tandem.AssistLive, true},
		{tandem.AssistWaiting, tandem.AssistLive, false},
		{tandem.AssistLive, tandem.AssistWaiting, false},
		{tandem.AssistConsenting, tandem.AssistWaiting, false},
		{tandem.AssistEnded, tandem.AssistLive, false},
		{"bogus", tandem.AssistLive, false},
	} {
		if err := store.CheckTransition(tt.from, tt.to); (err == nil) != tt.ok {
			t.Errorf("CheckTransition(%s, %s) = %v, want allowed %v", tt.from, tt.to, err, tt.ok)
		}
	}
}

// testConcurrentAccept: many agents accept one waiting request at once;
// exactly one of them gets it, the others a conflict, and the stored agent
// is the winner.
func testConcurrentAccept(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	for round := range 3 {
		a := newAssist(t, s, site.ID, at(round))
		const n = 16
		won := race(t, n, tandem.EConflict, fmt.Sprintf("round %d: a racing accept", round), func(i int) error {
			next := *a
			next.State, next.AgentID = tandem.AssistConsenting, fmt.Sprintf("agent-%d", i)
			return s.UpdateAssist(ctx, &next, tandem.AssistWaiting)
		})
		if len(won) > 1 {
			t.Errorf("round %d: agents %v all accepted", round, won)
		}
		if len(won) == 0 {
			t.Fatalf("round %d: no racing accept won", round)
		}
		winner := won[0]
		got, err := s.AssistByID(ctx, a.ID)
		must(t, err, "AssistByID")
		if got.State != tandem.AssistConsenting || got.AgentID != fmt.Sprintf("agent-%d", winner) {
			t.Errorf("round %d: stored %s with agent %q, want consenting with the winner agent-%d", round, got.State, got.AgentID, winner)
		}
	}
}

// testWaitingBudget: a site's waiting requests are capped, per site, and the
// cap holds under concurrent requests.
func testWaitingBudget(t *testing.T, s store.Store) {
	ctx := context.Background()
	shop, blog := newSite(t, s, "Shop"), newSite(t, s, "Blog")
	request := func(siteID string, minute int) (*tandem.Assist, error) {
		a := &tandem.Assist{SiteID: siteID, PersonID: "person", PageID: "p", CreatedAt: at(minute)}
		return a, s.CreateWaitingAssist(ctx, a, 3)
	}
	var first *tandem.Assist
	for i := range 3 {
		a, err := request(shop.ID, i)
		must(t, err, "CreateWaitingAssist within the budget")
		if a.State != tandem.AssistWaiting || a.ID == "" {
			t.Errorf("CreateWaitingAssist made %+v, want a waiting assist with an id", a)
		}
		if i == 0 {
			first = a
		}
	}
	_, err := request(shop.ID, 4)
	wantCode(t, err, tandem.EUnavailable, "CreateWaitingAssist over the budget")
	// Live and ended assists do not count, nor do another site's.
	newAssistIn(t, s, shop.ID, at(5), tandem.AssistLive)
	_, err = request(blog.ID, 5)
	must(t, err, "CreateWaitingAssist on another site")
	next := *first
	next.State, next.AgentID = tandem.AssistConsenting, "agent-1"
	must(t, s.UpdateAssist(ctx, &next, tandem.AssistWaiting), "accept one")
	_, err = request(shop.ID, 6)
	must(t, err, "CreateWaitingAssist after one was accepted")
	_, err = request(shop.ID, 7)
	wantCode(t, err, tandem.EUnavailable, "CreateWaitingAssist over the budget again")

	wantCode(t, s.CreateWaitingAssist(ctx, &tandem.Assist{SiteID: shop.ID, State: tandem.AssistLive}, 100), tandem.EInvalid, "CreateWaitingAssist of a live assist")
	wantCode(t, s.CreateWaitingAssist(ctx, &tandem.Assist{SiteID: "no-such-site"}, 100), tandem.ENotFound, "CreateWaitingAssist for an unknown site")
	wantCode(t, s.CreateWaitingAssist(ctx, &tandem.Assist{SiteID: blog.ID}, 0), tandem.EInvalid, "CreateWaitingAssist with no budget")

	// Racing requests: exactly the budget gets in.
	racing := newSite(t, s, "Race")
	const n, max = 24, 5
	ok := len(race(t, n, tandem.EUnavailable, "a racing request", func(i int) error {
		return s.CreateWaitingAssist(ctx, &tandem.Assist{SiteID: racing.ID, PersonID: fmt.Sprint(i)}, max)
	}))
	counts, err := s.CountAssists(ctx, store.AssistFilter{SiteID: racing.ID})
	must(t, err, "CountAssists")
	if ok != max || counts[tandem.AssistWaiting] != max {
		t.Errorf("%d racing requests under a budget of %d: %d accepted, %d waiting stored", n, max, ok, counts[tandem.AssistWaiting])
	}
}

// testAssistPaging: paging with After returns every assist the filter
// selects exactly once, in order, in both directions, including assists
// created in the same millisecond.
func testAssistPaging(t *testing.T, s store.Store) {
	ctx := context.Background()
	shop, blog := newSite(t, s, "Shop"), newSite(t, s, "Blog")
	var waiting []*tandem.Assist // shop's waiting, in creation order
	for i := range 60 {
		// Three at each minute: ties in CreatedAt must not lose or repeat any.
		minute := i / 3
		a := newAssist(t, s, shop.ID, at(minute))
		waiting = append(waiting, a)
		newAssistIn(t, s, shop.ID, at(minute), tandem.AssistEnded)
		newAssist(t, s, blog.ID, at(minute))
	}
	f := store.AssistFilter{SiteID: shop.ID, States: []tandem.AssistState{tandem.AssistWaiting}, Limit: 7}
	for _, oldest := range []bool{true, false} {
		f.Oldest, f.After = oldest, ""
		seen := make(map[string]int)
		var order []*tandem.Assist
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatalf("oldest=%v: paging does not end", oldest)
			}
			page, err := s.ListAssists(ctx, f)
			must(t, err, "ListAssists page")
			if len(page) > f.Limit {
				t.Fatalf("a page of %d, over the limit %d", len(page), f.Limit)
			}
			if len(page) == 0 {
				break
			}
			for _, a := range page {
				seen[a.ID]++
				order = append(order, a)
			}
			f.After = store.AssistCursor(page[len(page)-1])
		}
		for _, a := range waiting {
			if seen[a.ID] != 1 {
				t.Errorf("oldest=%v: waiting assist %s listed %d times, want once", oldest, a.ID, seen[a.ID])
			}
		}
		if len(order) != len(waiting) {
			t.Errorf("oldest=%v: paging listed %d assists, want the %d waiting", oldest, len(order), len(waiting))
		}
		for i := 1; i < len(order); i++ {
			before, after := order[i-1].CreatedAt, order[i].CreatedAt
			if oldest && after.Before(before) || !oldest && after.After(before) {
				t.Errorf("oldest=%v: %v listed after %v", oldest, after, before)
			}
		}
	}

	_, err := s.ListAssists(ctx, store.AssistFilter{After: "not a cursor"})
	wantCode(t, err, tandem.EInvalid, "ListAssists with a bad cursor")
	_, err = s.ListAssists(ctx, store.AssistFilter{Limit: store.MaxAssistLimit + 1})
	wantCode(t, err, tandem.EInvalid, "ListAssists over the largest page")
	if c := store.AssistCursor(&tandem.Assist{ID: "abc", CreatedAt: time.UnixMilli(1234)}); c == "" {
		t.Error("AssistCursor is empty")
	}
}

// testCountAssists: counts by state, for a site or all.
func testCountAssists(t *testing.T, s store.Store) {
	ctx := context.Background()
	shop, blog := newSite(t, s, "Shop"), newSite(t, s, "Blog")
	for range 3 {
		newAssist(t, s, shop.ID, at(0))
	}
	newAssistIn(t, s, shop.ID, at(1), tandem.AssistLive)
	newAssistIn(t, s, blog.ID, at(1), tandem.AssistEnded)
	newAssist(t, s, blog.ID, at(2))

	counts, err := s.CountAssists(ctx, store.AssistFilter{SiteID: shop.ID})
	must(t, err, "CountAssists shop")
	if counts[tandem.AssistWaiting] != 3 || counts[tandem.AssistLive] != 1 || len(counts) != 2 {
		t.Errorf("CountAssists(shop) = %v, want 3 waiting and 1 live", counts)
	}
	counts, err = s.CountAssists(ctx, store.AssistFilter{States: []tandem.AssistState{tandem.AssistWaiting, tandem.AssistEnded}})
	must(t, err, "CountAssists states")
	if counts[tandem.AssistWaiting] != 4 || counts[tandem.AssistEnded] != 1 || len(counts) != 2 {
		t.Errorf("CountAssists(waiting, ended) = %v, want 4 waiting and 1 ended", counts)
	}
	_, err = s.CountAssists(ctx, store.AssistFilter{States: []tandem.AssistState{"bogus"}})
	wantCode(t, err, tandem.EInvalid, "CountAssists with a bad state")
}
