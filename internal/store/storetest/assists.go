package storetest

import (
	"context"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func testAssists(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")

	a := &tandem.Assist{
		SiteID:    site.ID,
		PersonID:  "person-42",
		PageID:    "page-7",
		PageURL:   "https://shop.example/checkout?step=2",
		UserAgent: "Mozilla/5.0",
		Viewport:  tandem.Viewport{Width: 390, Height: 844, DPR: 3},
	}
	must(t, s.CreateAssist(ctx, a), "CreateAssist")
	checkID(t, a.ID, "assist")
	if len(a.ID) < 24 {
		t.Errorf("assist id %q is shorter than 120 random bits can be", a.ID)
	}
	if a.State != tandem.AssistWaiting || a.CreatedAt.IsZero() {
		t.Errorf("CreateAssist set state %q created %v, want waiting and now", a.State, a.CreatedAt)
	}
	got, err := s.AssistByID(ctx, a.ID)
	must(t, err, "AssistByID")
	if got.SiteID != site.ID || got.PersonID != a.PersonID || got.PageID != a.PageID || got.PageURL != a.PageURL ||
		got.UserAgent != a.UserAgent || got.Viewport != a.Viewport || got.State != tandem.AssistWaiting ||
		!sameTime(got.CreatedAt, a.CreatedAt) || !got.StartedAt.IsZero() || !got.EndedAt.IsZero() || got.AgentID != "" {
		t.Errorf("AssistByID = %+v, want %+v", got, a)
	}

	wantCode(t, s.CreateAssist(ctx, &tandem.Assist{SiteID: "no-such-site"}), tandem.ENotFound, "CreateAssist for an unknown site")
	wantCode(t, s.CreateAssist(ctx, &tandem.Assist{SiteID: site.ID, State: "paused"}), tandem.EInvalid, "CreateAssist with a bad state")
	wantCode(t, s.CreateAssist(ctx, &tandem.Assist{ID: a.ID, SiteID: site.ID}), tandem.EConflict, "CreateAssist with a taken id")

	// Accept, consent, end: every mutable field is written.
	a.State = tandem.AssistConsenting
	a.AgentID = "agent-1"
	must(t, s.UpdateAssist(ctx, a, tandem.AssistWaiting), "UpdateAssist consenting")
	a.State = tandem.AssistLive
	a.StartedAt = at(1)
	a.Viewport = tandem.Viewport{Width: 1280, Height: 720, DPR: 1.5}
	must(t, s.UpdateAssist(ctx, a, tandem.AssistConsenting), "UpdateAssist live")
	got, err = s.AssistByID(ctx, a.ID)
	must(t, err, "AssistByID")
	if got.State != tandem.AssistLive || got.AgentID != "agent-1" || !sameTime(got.StartedAt, at(1)) || got.Viewport != a.Viewport || !got.EndedAt.IsZero() {
		t.Errorf("after UpdateAssist live: %+v", got)
	}
	a.State = tandem.AssistEnded
	a.EndedAt = at(9)
	a.EndReason = "ended by person"
	must(t, s.UpdateAssist(ctx, a, tandem.AssistLive), "UpdateAssist ended")
	got, err = s.AssistByID(ctx, a.ID)
	must(t, err, "AssistByID")
	if got.State != tandem.AssistEnded || !sameTime(got.EndedAt, at(9)) || got.EndReason != "ended by person" || !sameTime(got.StartedAt, at(1)) {
		t.Errorf("after UpdateAssist ended: %+v", got)
	}

	bad := *got
	bad.State = "exploded"
	wantCode(t, s.UpdateAssist(ctx, &bad, tandem.AssistEnded), tandem.EInvalid, "UpdateAssist with a bad state")
	got, err = s.AssistByID(ctx, a.ID)
	must(t, err, "AssistByID")
	if got.State != tandem.AssistEnded {
		t.Errorf("a rejected UpdateAssist changed the state to %q", got.State)
	}
	wantCode(t, s.UpdateAssist(ctx, &tandem.Assist{ID: "no-such-assist", State: tandem.AssistLive}, tandem.AssistConsenting), tandem.ENotFound, "UpdateAssist unknown")
	_, err = s.AssistByID(ctx, "no-such-assist")
	wantCode(t, err, tandem.ENotFound, "AssistByID unknown")
}

func testListAssists(t *testing.T, s store.Store) {
	ctx := context.Background()
	shop := newSite(t, s, "Shop")
	blog := newSite(t, s, "Blog")

	// Created out of order, on two sites, in three states.
	type spec struct {
		site   string
		minute int
		state  tandem.AssistState
	}
	specs := []spec{
		{shop.ID, 3, tandem.AssistLive},
		{shop.ID, 1, tandem.AssistEnded},
		{blog.ID, 4, tandem.AssistWaiting},
		{shop.ID, 5, tandem.AssistWaiting},
		{blog.ID, 2, tandem.AssistEnded},
	}
	ids := make(map[int]string) // minute → id
	for _, sp := range specs {
		ids[sp.minute] = newAssistIn(t, s, sp.site, at(sp.minute), sp.state).ID
	}

	tests := []struct {
		name    string
		filter  store.AssistFilter
		minutes []int // newest first
	}{
		{"all", store.AssistFilter{}, []int{5, 4, 3, 2, 1}},
		{"one site", store.AssistFilter{SiteID: shop.ID}, []int{5, 3, 1}},
		{"one state", store.AssistFilter{States: []tandem.AssistState{tandem.AssistEnded}}, []int{2, 1}},
		{"two states", store.AssistFilter{States: []tandem.AssistState{tandem.AssistWaiting, tandem.AssistLive}}, []int{5, 4, 3}},
		{"site and state", store.AssistFilter{SiteID: blog.ID, States: []tandem.AssistState{tandem.AssistWaiting}}, []int{4}},
		{"limit", store.AssistFilter{Limit: 2}, []int{5, 4}},
		{"limit and site", store.AssistFilter{SiteID: shop.ID, Limit: 1}, []int{5}},
		{"unknown site", store.AssistFilter{SiteID: "no-such-site"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := s.ListAssists(ctx, tt.filter)
			must(t, err, "ListAssists")
			var want, got []string
			for _, m := range tt.minutes {
				want = append(want, ids[m])
			}
			for _, a := range list {
				got = append(got, a.ID)
			}
			if len(got) != len(want) {
				t.Fatalf("ListAssists(%+v) returned %d assists, want %d", tt.filter, len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("ListAssists(%+v)[%d] = %s, want %s (assists are newest first)", tt.filter, i, got[i], want[i])
				}
			}
		})
	}

	// The default limit is 100.
	for i := range 101 {
		newAssist(t, s, blog.ID, at(10+i))
	}
	list, err := s.ListAssists(ctx, store.AssistFilter{})
	must(t, err, "ListAssists")
	if len(list) != 100 {
		t.Errorf("ListAssists without a limit returned %d, want the default 100", len(list))
	}
	_, err = s.ListAssists(ctx, store.AssistFilter{States: []tandem.AssistState{"bogus"}})
	wantCode(t, err, tandem.EInvalid, "ListAssists with a bad state")
}

func testConsents(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	a := newAssist(t, s, site.ID, at(0))
	other := newAssist(t, s, site.ID, at(0))

	list, err := s.ConsentsFor(ctx, a.ID)
	must(t, err, "ConsentsFor")
	if len(list) != 0 {
		t.Errorf("a new assist has %d consents", len(list))
	}

	later := &tandem.Consent{AssistID: a.ID, AgentID: "agent-1", PersonID: "person-1", PageURL: "https://shop.example/b", Method: "prompt", Allowed: true, Text: "Let Alex see this page?", At: at(2)}
	earlier := &tandem.Consent{AssistID: a.ID, AgentID: "agent-1", PersonID: "person-1", PageURL: "https://shop.example/a", Method: "invite", Allowed: false, Text: "Join?", At: at(1)}
	must(t, s.RecordConsent(ctx, later), "RecordConsent")
	must(t, s.RecordConsent(ctx, earlier), "RecordConsent")
	must(t, s.RecordConsent(ctx, &tandem.Consent{AssistID: other.ID, Allowed: true, At: at(1)}), "RecordConsent other")
	now := &tandem.Consent{AssistID: other.ID, Allowed: true}
	must(t, s.RecordConsent(ctx, now), "RecordConsent without At")
	if now.At.IsZero() {
		t.Error("RecordConsent left At zero")
	}

	list, err = s.ConsentsFor(ctx, a.ID)
	must(t, err, "ConsentsFor")
	if len(list) != 2 {
		t.Fatalf("ConsentsFor returned %d, want 2", len(list))
	}
	for i, want := range []*tandem.Consent{earlier, later} {
		got := list[i]
		if got.AssistID != want.AssistID || got.AgentID != want.AgentID || got.PersonID != want.PersonID || got.PageURL != want.PageURL ||
			got.Method != want.Method || got.Allowed != want.Allowed || got.Text != want.Text || !sameTime(got.At, want.At) {
			t.Errorf("ConsentsFor[%d] = %+v, want %+v (in time order)", i, got, want)
		}
	}

	wantCode(t, s.RecordConsent(ctx, &tandem.Consent{AssistID: "no-such-assist", Allowed: true}), tandem.ENotFound, "RecordConsent unknown assist")
	_, err = s.ConsentsFor(ctx, "no-such-assist")
	wantCode(t, err, tandem.ENotFound, "ConsentsFor unknown assist")
}

func testPages(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	a := newAssist(t, s, site.ID, at(0))

	pages := []*tandem.Page{
		{AssistID: a.ID, PageID: "p2", URL: "https://shop.example/cart", Title: "Cart", Hash: "h2", At: at(2)},
		{AssistID: a.ID, PageID: "p1", URL: "https://shop.example/", Title: "Home", Hash: "h1", At: at(1)},
		{AssistID: a.ID, PageID: "p1", URL: "https://shop.example/", Title: "Home (changed)", Hash: "h1b", At: at(3)},
	}
	for _, p := range pages {
		must(t, s.AddPage(ctx, p), "AddPage")
	}
	// An exact repeat of (assist, page id, hash) is ignored and keeps the first.
	must(t, s.AddPage(ctx, &tandem.Page{AssistID: a.ID, PageID: "p1", URL: "https://shop.example/", Title: "Repeat", Hash: "h1", At: at(4)}), "AddPage repeat")

	list, err := s.PagesFor(ctx, a.ID)
	must(t, err, "PagesFor")
	want := []*tandem.Page{pages[1], pages[0], pages[2]}
	if len(list) != len(want) {
		t.Fatalf("PagesFor returned %d pages, want %d", len(list), len(want))
	}
	for i := range want {
		got := list[i]
		if got.AssistID != want[i].AssistID || got.PageID != want[i].PageID || got.URL != want[i].URL || got.Title != want[i].Title ||
			got.Hash != want[i].Hash || !sameTime(got.At, want[i].At) {
			t.Errorf("PagesFor[%d] = %+v, want %+v (in time order)", i, got, want[i])
		}
	}

	wantCode(t, s.AddPage(ctx, &tandem.Page{AssistID: "no-such-assist", PageID: "p1", Hash: "h"}), tandem.ENotFound, "AddPage unknown assist")
	_, err = s.PagesFor(ctx, "no-such-assist")
	wantCode(t, err, tandem.ENotFound, "PagesFor unknown assist")
}
