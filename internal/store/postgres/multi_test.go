package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/store"
)

// twoServers opens two stores on one new database, as two Tandem servers
// do, with one site created through the first.
func twoServers(t *testing.T) (a, b *DB, site *tandem.Site) {
	t.Helper()
	url := pgtest.URL(t)
	open := func() *DB {
		db, err := Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b = open(), open()
	site = &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	if err := a.CreateSite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	return a, b, site
}

// TestTwoServersWaitingBudget is help requests for one site arriving at two
// servers at once: together they never pass the site's budget.
func TestTwoServersWaitingBudget(t *testing.T) {
	ctx := context.Background()
	a, b, site := twoServers(t)
	const n, max = 32, 5
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		db := []*DB{a, b}[i%2]
		wg.Go(func() {
			<-start
			errs[i] = db.CreateWaitingAssist(ctx, &tandem.Assist{SiteID: site.ID, PersonID: fmt.Sprint(i)}, max)
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch tandem.ErrorCode(err) {
		case "":
			ok++
		case tandem.EUnavailable:
		default:
			t.Errorf("request %d: %v", i, err)
		}
	}
	if ok != max {
		t.Errorf("%d of %d requests racing on two servers got in, want the budget %d", ok, n, max)
	}
	counts, err := b.CountAssists(ctx, store.AssistFilter{SiteID: site.ID})
	if err != nil {
		t.Fatal(err)
	}
	if counts[tandem.AssistWaiting] != max {
		t.Errorf("the site has %d waiting requests, want %d", counts[tandem.AssistWaiting], max)
	}
}

// TestTwoServersAcceptOnce is agents on two servers accepting the same
// waiting requests at once: each request is accepted by exactly one.
func TestTwoServersAcceptOnce(t *testing.T) {
	ctx := context.Background()
	a, b, site := twoServers(t)
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
					if !strings.Contains(err.Error(), "consenting") {
						t.Errorf("server %d lost request %d with %v, want it to say the assist is consenting now", server, i, err)
					}
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
