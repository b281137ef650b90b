package storetest

import (
	"context"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// testAssistIdentity checks that the passport identity a help request was
// verified with is stored with the assist, read back by every read, kept
// by updates, and that an unverified assist reads back unverified.
func testAssistIdentity(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Verified")
	who := tandem.VerifiedPerson{IdentityID: "identity-1", Email: "sam@example.com", Name: "Sam Example"}

	verified := &tandem.Assist{SiteID: site.ID, PersonID: "person-1", Verified: who}
	must(t, s.CreateWaitingAssist(ctx, verified, 10), "CreateWaitingAssist verified")
	plain := &tandem.Assist{SiteID: site.ID, PersonID: "person-2"}
	must(t, s.CreateAssist(ctx, plain), "CreateAssist unverified")

	got, err := s.AssistByID(ctx, verified.ID)
	must(t, err, "AssistByID verified")
	if got.Verified != who {
		t.Errorf("AssistByID verified: Verified = %+v, want %+v", got.Verified, who)
	}
	got, err = s.AssistByID(ctx, plain.ID)
	must(t, err, "AssistByID unverified")
	if !got.Verified.IsZero() || got.Verified != (tandem.VerifiedPerson{}) {
		t.Errorf("AssistByID unverified: Verified = %+v, want none", got.Verified)
	}

	// Accepting and ending the assist keeps who it was verified as.
	verified.State, verified.AgentID = tandem.AssistConsenting, "agent-1"
	verified.Verified = tandem.VerifiedPerson{}
	must(t, s.UpdateAssist(ctx, verified, tandem.AssistWaiting), "UpdateAssist")
	list, err := s.ListAssists(ctx, store.AssistFilter{SiteID: site.ID})
	must(t, err, "ListAssists")
	found := 0
	for _, a := range list {
		switch a.ID {
		case verified.ID:
			found++
			if a.Verified != who {
				t.Errorf("ListAssists: the verified assist has Verified %+v, want %+v", a.Verified, who)
			}
		case plain.ID:
			found++
			if !a.Verified.IsZero() {
				t.Errorf("ListAssists: the unverified assist has Verified %+v", a.Verified)
			}
		}
	}
	if found != 2 {
		t.Errorf("ListAssists found %d of the 2 assists", found)
	}
}
