package assist

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// TestTwoServersCannotBothAccept is two servers on one SQLite file, each
// with its own store handle and service, both holding the same waiting
// request (as after the person's channel moved from one to the other), whose
// agents accept it at the same moment: exactly one wins; the other is told
// someone else did (409), and the store has the winner.
func TestTwoServersCannotBothAccept(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tandem.db")
	var services [2]*Service
	var stores [2]*sqlite.DB
	for i := range services {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = db
		services[i] = New(Config{Secret: []byte("0123456789abcdef0123456789abcdef")}, db, nil, nil)
		t.Cleanup(func() {
			_ = services[i].Shutdown(ctx)
			db.Close()
		})
	}
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	if err := stores[0].CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	agents := [2]*tandem.User{}
	for i, email := range []string{"alex@example.com", "sam@example.com"} {
		agents[i] = &tandem.User{Email: email, Name: email, Role: tandem.RoleAgent}
		if err := stores[0].CreateUser(ctx, agents[i]); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 10 {
		started, err := services[0].RequestHelp(ctx, HelpRequest{SiteKey: site.Key, PageID: "p", URL: "https://shop.example/", Origin: "https://shop.example"})
		if err != nil {
			t.Fatal(err)
		}
		id := started.Assist.ID
		copy := *started.Assist
		services[1].open(&copy, site)

		var wg sync.WaitGroup
		start := make(chan struct{})
		var errs [2]error
		for i, svc := range services {
			wg.Go(func() {
				<-start
				_, errs[i] = svc.Accept(ctx, agents[i], id)
			})
		}
		close(start)
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won < 0:
				won = i
			case err == nil:
				t.Fatalf("round %d: both servers' agents accepted the same request", round)
			case tandem.ErrorCode(err) != tandem.EConflict:
				t.Fatalf("round %d: the losing accept failed with %v, want a conflict", round, err)
			}
		}
		if won < 0 {
			t.Fatalf("round %d: neither accept won: %v", round, errs)
		}
		a, err := stores[1].AssistByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.State != tandem.AssistConsenting || a.AgentID != agents[won].ID {
			t.Errorf("round %d: stored %s by %q, want consenting by the winner %q", round, a.State, a.AgentID, agents[won].ID)
		}
		for _, svc := range services {
			if _, err := svc.end(ctx, "system", id, "test over", closeEnded); err != nil {
				t.Fatal(err)
			}
		}
	}
}
