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

// racingNode is the id and URL of the i-th racer.
func racingNode(i int) (node, url string) {
	return fmt.Sprintf("node-%d", i), fmt.Sprintf("http://10.0.1.%d:8080", i)
}

// raceAcquire has racers nodes take one lease at once, and returns the one
// that won, checking that the losers were told the winner's lease.
func raceAcquire(t *testing.T, s [2]store.Store, session string) (winner int, won store.Lease) {
	t.Helper()
	ctx := context.Background()
	leases := make([]store.Lease, racers)
	wins := race(t, racers, tandem.EConflict, "an acquire", func(i int) error {
		node, url := racingNode(i)
		var err error
		leases[i], err = s[i%2].Acquire(ctx, session, store.LeaseAssist, node, url, leaseTTL)
		return err
	})
	if len(wins) != 1 {
		t.Fatalf("%s: acquires by %v won, want exactly one", session, wins)
	}
	winner, won = wins[0], leases[wins[0]]
	node, url := racingNode(winner)
	for i, l := range leases {
		if l.Node != node || l.NodeURL != url || l.Token != won.Token {
			t.Errorf("%s: racer %d was given %+v, want the winner's lease (%s, token %d)", session, i, l, node, won.Token)
		}
	}
	if got, err := s[1-winner%2].LeaseOf(ctx, session); err != nil || got.Node != node || got.Token != won.Token || !got.Live() {
		t.Errorf("%s: stored lease %+v, %v; want the winner's", session, got, err)
	}
	return winner, won
}

// raceAcquires: nodes take one free lease at once: exactly one gets it.
func raceAcquires(t *testing.T, s [2]store.Store) {
	for round := range 5 {
		raceAcquire(t, s, fmt.Sprintf("assist-%d", round))
	}
}

// raceTakeovers: nodes take over one lapsed lease at once: exactly one gets
// it, with the next token.
func raceTakeovers(t *testing.T, s [2]store.Store) {
	for round := range 3 {
		session := fmt.Sprintf("assist-%d", round)
		old := acquire(t, s[round%2], session, nodeA, urlA, time.Millisecond)
		waitLapsed(t, s[0], session)
		_, won := raceAcquire(t, s, session)
		if won.Token <= old.Token {
			t.Errorf("%s: the takeover's token %d, want greater than %d", session, won.Token, old.Token)
		}
	}
}

// raceRenewVsTakeover: as a lease runs out, its holder renews it while
// other nodes take it over. Either the renewal came first and every
// takeover fails, or a takeover won and the renewal fails: never both, and
// the stored lease is the winner's.
func raceRenewVsTakeover(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	const ttl = 200 * time.Millisecond
	outcomes := map[string]int{}
	for round := range 8 {
		session := fmt.Sprintf("assist-%d", round)
		held := acquire(t, s[0], session, nodeA, urlA, ttl)
		// Start the race near the end of the lease, later in each round:
		// the last rounds start after it lapsed.
		for {
			l := leaseOf(t, s[1], session)
			if l.Remaining <= ttl/2-time.Duration(round)*ttl/8 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		var (
			wg       sync.WaitGroup
			start    = make(chan struct{})
			renewErr error
			takeErrs = make([]error, racers)
			takes    = make([]store.Lease, racers)
		)
		wg.Go(func() {
			<-start
			_, renewErr = s[0].Renew(ctx, session, nodeA, held.Token, leaseTTL)
		})
		for i := range racers {
			wg.Go(func() {
				<-start
				node, url := racingNode(i)
				takes[i], takeErrs[i] = s[i%2].Acquire(ctx, session, store.LeaseAssist, node, url, leaseTTL)
			})
		}
		close(start)
		wg.Wait()

		var winners []int
		for i, err := range takeErrs {
			switch tandem.ErrorCode(err) {
			case "":
				winners = append(winners, i)
			case tandem.EConflict:
			default:
				t.Fatalf("round %d: takeover %d failed with %v, want success or a conflict", round, i, err)
			}
		}
		got := leaseOf(t, s[1], session)
		switch {
		case renewErr == nil && len(winners) == 0:
			outcomes["renewed"]++
			if got.Node != nodeA || got.Token != held.Token {
				t.Errorf("round %d: the renewal won but the lease is %+v", round, got)
			}
		case tandem.ErrorCode(renewErr) == tandem.EConflict && len(winners) == 1:
			outcomes["taken over"]++
			node, _ := racingNode(winners[0])
			if got.Node != node || got.Token != takes[winners[0]].Token || got.Token <= held.Token {
				t.Errorf("round %d: %s took over with %+v but the lease is %+v (old token %d)", round, node, takes[winners[0]], got, held.Token)
			}
		default:
			t.Fatalf("round %d: renewal %v and takeovers by %v: want exactly one side to win", round, renewErr, winners)
		}
	}
	t.Logf("outcomes: %v", outcomes)
}
