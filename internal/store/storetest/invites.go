package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// redemption returns what a person redeeming invite inv on siteID at now
// asks the store to do.
func redemption(inviteID, siteID string, now time.Time) *store.InviteRedemption {
	return &store.InviteRedemption{
		InviteID: inviteID,
		Now:      now,
		Assist: &tandem.Assist{SiteID: siteID, State: tandem.AssistLive, PersonID: "person-1", PageID: "page-1",
			PageURL: "https://shop.example/help", CreatedAt: now, StartedAt: now},
		Consent: &tandem.Consent{PersonID: "person-1", PageURL: "https://shop.example/help", Method: "invite",
			Allowed: true, Text: "Alex from Support wants to see this page", At: now},
	}
}

// redeem looks the invite up by hash on siteID and redeems it, as a person
// opening a link does; it returns the redemption done, or the error.
func redeem(s store.Store, siteID, token, code string, now time.Time) (*store.InviteRedemption, error) {
	ctx := context.Background()
	inv, err := s.LiveInvite(ctx, siteID, token, code, now)
	if err != nil {
		return nil, err
	}
	r := redemption(inv.ID, siteID, now)
	if err := s.RedeemInvite(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

func testInvites(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")

	inv := &tandem.Invite{SiteID: site.ID, AgentID: "agent-1", TokenHash: "tok-1", CodeHash: "code-1", URL: "https://shop.example/help", ExpiresAt: at(10)}
	must(t, s.CreateInvite(ctx, inv), "CreateInvite")
	checkID(t, inv.ID, "invite")
	if inv.CreatedAt.IsZero() {
		t.Error("CreateInvite left CreatedAt zero")
	}
	wantCode(t, s.CreateInvite(ctx, &tandem.Invite{SiteID: site.ID, TokenHash: "tok-1", ExpiresAt: at(10)}), tandem.EConflict, "CreateInvite with a taken token")
	wantCode(t, s.CreateInvite(ctx, &tandem.Invite{SiteID: "no-such-site", TokenHash: "tok-x", ExpiresAt: at(10)}), tandem.ENotFound, "CreateInvite unknown site")
	wantCode(t, s.CreateInvite(ctx, &tandem.Invite{SiteID: site.ID, ExpiresAt: at(10)}), tandem.EInvalid, "CreateInvite without a token or code")
	wantCode(t, s.CreateInvite(ctx, &tandem.Invite{SiteID: site.ID, TokenHash: "tok-y"}), tandem.EInvalid, "CreateInvite without an expiry")

	expiring := &tandem.Invite{SiteID: site.ID, AgentID: "agent-2", TokenHash: "tok-2", CodeHash: "code-2", ExpiresAt: at(5)}
	must(t, s.CreateInvite(ctx, expiring), "CreateInvite")

	got, err := s.LiveInvite(ctx, site.ID, "tok-1", "", at(1))
	must(t, err, "LiveInvite")
	if got.ID != inv.ID || got.AgentID != "agent-1" || got.URL != inv.URL || got.TokenHash != "tok-1" || got.CodeHash != "code-1" ||
		!sameTime(got.ExpiresAt, at(10)) || !got.UsedAt.IsZero() || got.SiteID != site.ID {
		t.Errorf("LiveInvite = %+v, want every field of %+v", got, inv)
	}

	tests := []struct {
		name        string
		token, code string
		now         time.Time
		wantErr     string // the error code wanted, "" for success
		wantID      string
	}{
		{"neither", "", "", at(0), tandem.EInvalid, ""},
		{"both", "tok-1", "code-1", at(0), tandem.EInvalid, ""},
		{"unknown token", "tok-none", "", at(0), tandem.ENotFound, ""},
		{"unknown code", "", "code-none", at(0), tandem.ENotFound, ""},
		{"expired", "tok-2", "", at(6), tandem.EExpired, ""},
		{"expired exactly", "", "code-2", at(5), tandem.EExpired, ""},
		{"by token", "tok-1", "", at(1), "", inv.ID},
		{"token again", "tok-1", "", at(2), tandem.EUsed, ""},
		{"its code after its token", "", "code-1", at(2), tandem.EUsed, ""},
		// The expired attempts above changed nothing: before expiry it works.
		{"by code before expiry", "", "code-2", at(4), "", expiring.ID},
		{"used, and now expired too", "tok-2", "", at(7), tandem.EUsed, ""},
	}
	for _, tt := range tests {
		r, err := redeem(s, site.ID, tt.token, tt.code, tt.now)
		if tt.wantErr != "" {
			wantCode(t, err, tt.wantErr, "redeem "+tt.name)
			continue
		}
		if err != nil {
			t.Errorf("redeem %s: %v", tt.name, err)
			continue
		}
		// The assist exists, with the invite's agent and the consent record.
		a, err := s.AssistByID(ctx, r.Assist.ID)
		must(t, err, "AssistByID of a redeemed invite's assist")
		wantAgent := map[string]string{inv.ID: "agent-1", expiring.ID: "agent-2"}[tt.wantID]
		if a.State != tandem.AssistLive || a.SiteID != site.ID || a.AgentID != wantAgent || !sameTime(a.StartedAt, tt.now) {
			t.Errorf("redeem %s made %+v, want a live assist of the site with agent %s", tt.name, a, wantAgent)
		}
		cs, err := s.ConsentsFor(ctx, a.ID)
		must(t, err, "ConsentsFor")
		if len(cs) != 1 || cs[0].AgentID != wantAgent || cs[0].Method != "invite" || !cs[0].Allowed || cs[0].AssistID != a.ID {
			t.Errorf("redeem %s recorded consents %+v, want the one invite consent for %s", tt.name, cs, wantAgent)
		}
	}
	wantCode(t, s.RedeemInvite(ctx, &store.InviteRedemption{InviteID: inv.ID, Now: at(1)}), tandem.EInvalid, "RedeemInvite without an assist")
}

// testInviteSites: an invite exists only for its own site. Redeeming it on
// another site is "not found" and uses nothing up.
func testInviteSites(t *testing.T, s store.Store) {
	ctx := context.Background()
	shop, blog := newSite(t, s, "Shop"), newSite(t, s, "Blog")
	inv := &tandem.Invite{SiteID: shop.ID, AgentID: "agent-1", TokenHash: "tok", CodeHash: "code", ExpiresAt: at(10)}
	must(t, s.CreateInvite(ctx, inv), "CreateInvite")

	_, err := s.LiveInvite(ctx, blog.ID, "tok", "", at(1))
	wantCode(t, err, tandem.ENotFound, "LiveInvite of another site's token")
	_, err = s.LiveInvite(ctx, blog.ID, "", "code", at(1))
	wantCode(t, err, tandem.ENotFound, "LiveInvite of another site's code")
	// Even knowing the invite's id, another site cannot redeem it.
	wantCode(t, s.RedeemInvite(ctx, redemption(inv.ID, blog.ID, at(1))), tandem.ENotFound, "RedeemInvite on another site")
	list, err := s.ListAssists(ctx, store.AssistFilter{SiteID: blog.ID})
	must(t, err, "ListAssists")
	if len(list) != 0 {
		t.Errorf("a refused redemption on another site created %d assists", len(list))
	}

	if _, err := redeem(s, shop.ID, "", "code", at(2)); err != nil {
		t.Fatalf("the invite tried on another site is not usable on its own any more: %v", err)
	}
}

// testRedeemAllOrNothing: when a write of a redemption fails, the invite is
// not used up and nothing of the redemption is left.
func testRedeemAllOrNothing(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	taken := newAssist(t, s, site.ID, at(0))
	inv := &tandem.Invite{SiteID: site.ID, AgentID: "agent-1", TokenHash: "tok", ExpiresAt: at(10)}
	must(t, s.CreateInvite(ctx, inv), "CreateInvite")

	// The assist's id is taken: creating it fails after the invite was marked.
	r := redemption(inv.ID, site.ID, at(1))
	r.Assist.ID = taken.ID
	wantCode(t, s.RedeemInvite(ctx, r), tandem.EConflict, "RedeemInvite whose assist cannot be created")
	// A bad state for the new assist: refused the same way.
	r = redemption(inv.ID, site.ID, at(1))
	r.Assist.State = "paused"
	wantCode(t, s.RedeemInvite(ctx, r), tandem.EInvalid, "RedeemInvite with a bad assist state")

	live, err := s.LiveInvite(ctx, site.ID, "tok", "", at(2))
	if err != nil {
		t.Fatalf("a failed redemption used the invite up: %v", err)
	}
	if live.AssistID != "" {
		t.Errorf("a failed redemption linked the invite to assist %q", live.AssistID)
	}
	counts, err := s.CountAssists(ctx, store.AssistFilter{SiteID: site.ID})
	must(t, err, "CountAssists")
	if counts[tandem.AssistLive] != 0 {
		t.Errorf("a failed redemption left %d live assists", counts[tandem.AssistLive])
	}
	r = redemption(inv.ID, site.ID, at(2))
	must(t, s.RedeemInvite(ctx, r), "RedeemInvite after the failures")
	cs, err := s.ConsentsFor(ctx, r.Assist.ID)
	must(t, err, "ConsentsFor")
	if len(cs) != 1 {
		t.Errorf("the redeemed assist has %d consent records, want 1", len(cs))
	}
}

// testInviteCodes: short codes may repeat over time; the live one is used.
func testInviteCodes(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	first := &tandem.Invite{SiteID: site.ID, CodeHash: "code-a", CreatedAt: at(0), ExpiresAt: at(5)}
	must(t, s.CreateInvite(ctx, first), "CreateInvite")
	_, err := redeem(s, site.ID, "", "code-a", at(1))
	must(t, err, "redeem first")

	second := &tandem.Invite{SiteID: site.ID, CodeHash: "code-a", CreatedAt: at(10), ExpiresAt: at(15)}
	must(t, s.CreateInvite(ctx, second), "CreateInvite with a code used before")
	got, err := s.LiveInvite(ctx, site.ID, "", "code-a", at(11))
	must(t, err, "LiveInvite second")
	if got.ID != second.ID {
		t.Errorf("LiveInvite by a repeated code found %s, want the live one %s", got.ID, second.ID)
	}
	_, err = redeem(s, site.ID, "", "code-a", at(11))
	must(t, err, "redeem second")
	_, err = redeem(s, site.ID, "", "code-a", at(12))
	wantCode(t, err, tandem.EUsed, "redeem after both are used")
}

// testConcurrentRedeem: of many callers racing for one invite, exactly one
// wins, every other is told it was used, and exactly one assist exists.
func testConcurrentRedeem(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	for round := range 3 {
		token := fmt.Sprintf("race-%d", round)
		inv := &tandem.Invite{SiteID: site.ID, AgentID: "agent-1", TokenHash: token, ExpiresAt: at(60)}
		must(t, s.CreateInvite(ctx, inv), "CreateInvite")

		const n = 16
		wins := len(race(t, n, tandem.EUsed, fmt.Sprintf("round %d: a racing redemption", round), func(int) error {
			_, err := redeem(s, site.ID, token, "", at(1))
			return err
		}))
		if wins != 1 {
			t.Errorf("round %d: %d of %d racing redemptions won, want exactly 1", round, wins, n)
		}
	}
	counts, err := s.CountAssists(ctx, store.AssistFilter{SiteID: site.ID})
	must(t, err, "CountAssists")
	if counts[tandem.AssistLive] != 3 {
		t.Errorf("3 invites raced for made %d assists, want 3", counts[tandem.AssistLive])
	}
}
