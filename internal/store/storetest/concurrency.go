package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// testConcurrentWrites: many goroutines writing and reading at once all
// succeed, and every write is there afterwards.
func testConcurrentWrites(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	a := newAssist(t, s, site.ID, at(0))

	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*4)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := s.AppendAudit(ctx, &tandem.AuditEntry{SessionID: a.ID, Actor: fmt.Sprintf("agent:%d", w), Action: "point"}); err != nil {
					errs <- fmt.Errorf("AppendAudit: %w", err)
				}
				if err := s.AddPage(ctx, &tandem.Page{AssistID: a.ID, PageID: fmt.Sprintf("p-%d-%d", w, i), Hash: "h"}); err != nil {
					errs <- fmt.Errorf("AddPage: %w", err)
				}
				if err := s.CreateAssist(ctx, &tandem.Assist{SiteID: site.ID, PersonID: fmt.Sprintf("person-%d-%d", w, i)}); err != nil {
					errs <- fmt.Errorf("CreateAssist: %w", err)
				}
				if _, err := s.AssistByID(ctx, a.ID); err != nil {
					errs <- fmt.Errorf("AssistByID: %w", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	audit, err := s.AuditFor(ctx, a.ID)
	must(t, err, "AuditFor")
	if len(audit) != workers*each {
		t.Errorf("AuditFor has %d entries after %d concurrent appends", len(audit), workers*each)
	}
	pages, err := s.PagesFor(ctx, a.ID)
	must(t, err, "PagesFor")
	if len(pages) != workers*each {
		t.Errorf("PagesFor has %d pages after %d concurrent adds", len(pages), workers*each)
	}
	assists, err := s.ListAssists(ctx, store.AssistFilter{SiteID: site.ID, Limit: 1000})
	must(t, err, "ListAssists")
	if len(assists) != workers*each+1 {
		t.Errorf("ListAssists has %d assists after %d concurrent creates, want %d", len(assists), workers*each, workers*each+1)
	}
}

// testDeleteCascades: removing a site removes what belongs to it; the audit
// log stays.
func testDeleteCascades(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	keep := newSite(t, s, "Blog")
	a := newAssist(t, s, site.ID, at(0))
	b := newAssist(t, s, keep.ID, at(0))
	must(t, s.RecordConsent(ctx, &tandem.Consent{AssistID: a.ID, Allowed: true}), "RecordConsent")
	must(t, s.AddPage(ctx, &tandem.Page{AssistID: a.ID, PageID: "p1"}), "AddPage")
	must(t, s.CreateInvite(ctx, &tandem.Invite{SiteID: site.ID, TokenHash: "tok", ExpiresAt: at(60)}), "CreateInvite")
	must(t, s.AppendAudit(ctx, &tandem.AuditEntry{SessionID: a.ID, Actor: "system", Action: "start"}), "AppendAudit")

	must(t, s.DeleteSite(ctx, site.ID), "DeleteSite")
	_, err := s.AssistByID(ctx, a.ID)
	wantCode(t, err, tandem.ENotFound, "an assist of a removed site")
	_, err = s.LiveInvite(ctx, site.ID, "tok", "", at(1))
	wantCode(t, err, tandem.ENotFound, "an invite of a removed site")
	if _, err := s.AssistByID(ctx, b.ID); err != nil {
		t.Errorf("removing one site removed another's assist: %v", err)
	}
	audit, err := s.AuditFor(ctx, a.ID)
	must(t, err, "AuditFor")
	if len(audit) != 1 {
		t.Errorf("the audit log of a removed site's assist has %d entries, want 1 kept", len(audit))
	}
}

// race makes n calls at once, call(0) to call(n-1), all released together,
// and returns the i of those that succeeded. A call may also lose with the
// error code lost; any other error fails t, naming the call by what.
func race(t *testing.T, n int, lost, what string, call func(i int) error) (won []int) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = call(i)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		switch tandem.ErrorCode(err) {
		case "":
			won = append(won, i)
		case lost:
		default:
			t.Errorf("%s failed with %v, want success or %s", what, err, lost)
		}
	}
	return won
}
