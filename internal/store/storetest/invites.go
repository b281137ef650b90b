package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

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

	expiring := &tandem.Invite{SiteID: site.ID, TokenHash: "tok-2", CodeHash: "code-2", ExpiresAt: at(5)}
	must(t, s.CreateInvite(ctx, expiring), "CreateInvite")

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
		got, err := s.UseInvite(ctx, tt.token, tt.code, tt.now)
		if tt.wantErr != "" {
			wantCode(t, err, tt.wantErr, "UseInvite "+tt.name)
			if got != nil {
				t.Errorf("UseInvite %s returned an invite with its error", tt.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("UseInvite %s: %v", tt.name, err)
			continue
		}
		if got.ID != tt.wantID || !sameTime(got.UsedAt, tt.now) || got.SiteID != site.ID {
			t.Errorf("UseInvite %s = %+v, want id %s used at %v", tt.name, got, tt.wantID, tt.now)
		}
		if tt.wantID == inv.ID && (got.AgentID != "agent-1" || got.URL != inv.URL || got.TokenHash != "tok-1" || got.CodeHash != "code-1" || !sameTime(got.ExpiresAt, at(10))) {
			t.Errorf("UseInvite %s returned %+v, want every field of %+v", tt.name, got, inv)
		}
	}

	must(t, s.SetInviteAssist(ctx, inv.ID, "assist-1"), "SetInviteAssist")
	wantCode(t, s.SetInviteAssist(ctx, "no-such-invite", "assist-1"), tandem.ENotFound, "SetInviteAssist unknown")
}

// testInviteCodes: short codes may repeat over time; the live one is used.
func testInviteCodes(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	first := &tandem.Invite{SiteID: site.ID, CodeHash: "code-a", CreatedAt: at(0), ExpiresAt: at(5)}
	must(t, s.CreateInvite(ctx, first), "CreateInvite")
	_, err := s.UseInvite(ctx, "", "code-a", at(1))
	must(t, err, "UseInvite first")

	second := &tandem.Invite{SiteID: site.ID, CodeHash: "code-a", CreatedAt: at(10), ExpiresAt: at(15)}
	must(t, s.CreateInvite(ctx, second), "CreateInvite with a code used before")
	got, err := s.UseInvite(ctx, "", "code-a", at(11))
	must(t, err, "UseInvite second")
	if got.ID != second.ID {
		t.Errorf("UseInvite by a repeated code used %s, want the live one %s", got.ID, second.ID)
	}
	_, err = s.UseInvite(ctx, "", "code-a", at(12))
	wantCode(t, err, tandem.EUsed, "UseInvite after both are used")
}

// testConcurrentUseInvite: of many callers racing for one invite, exactly one
// wins and every other is told it was used.
func testConcurrentUseInvite(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	for round := range 3 {
		token := fmt.Sprintf("race-%d", round)
		must(t, s.CreateInvite(ctx, &tandem.Invite{SiteID: site.ID, TokenHash: token, ExpiresAt: at(60)}), "CreateInvite")

		const n = 16
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = s.UseInvite(ctx, token, "", at(1))
			})
		}
		close(start)
		wg.Wait()

		wins := 0
		for _, err := range errs {
			switch tandem.ErrorCode(err) {
			case "":
				wins++
			case tandem.EUsed:
			default:
				t.Errorf("round %d: a racing UseInvite failed with %v, want success or %s", round, err, tandem.EUsed)
			}
		}
		if wins != 1 {
			t.Errorf("round %d: %d of %d racing UseInvite calls won, want exactly 1", round, wins, n)
		}
	}
}
