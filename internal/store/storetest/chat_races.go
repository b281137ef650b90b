package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// racePostSeq: members on two servers post to one conversation at once:
// the messages are numbered 1..N, each number once, and LastSeq is N.
func racePostSeq(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	alex, sam := newUser(t, s[0], "alex@example.com"), newUser(t, s[0], "sam@example.com")
	c := newGroup(t, s[0], "Busy", 0, userAccount(alex), userAccount(sam))
	const each = 4
	won := race(t, racers, "", "a post", func(i int) error {
		author := userAccount(alex)
		if i%2 == 1 {
			author = userAccount(sam)
		}
		for j := range each {
			m := &tandem.Message{ConversationID: c.ID, Author: author, Text: fmt.Sprintf("%d.%d", i, j)}
			if _, err := s[(i+j)%2].PostMessage(ctx, &store.NewMessage{Message: m}); err != nil {
				return err
			}
		}
		return nil
	})
	if len(won) != racers {
		t.Fatalf("%d of %d posters succeeded", len(won), racers)
	}
	n := racers * each
	ms, err := s[1].Messages(ctx, c.ID, store.MessageFilter{After: 0, Limit: store.MaxMessageLimit})
	must(t, err, "Messages")
	// Messages with After 0 is newest first; sort to check 1..n.
	var seqs []int64
	for _, m := range ms {
		seqs = append(seqs, m.Seq)
	}
	slices.Sort(seqs)
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(seqs, want) {
		t.Errorf("racing posts got seqs %v, want 1..%d each once", seqs, n)
	}
	if got, err := s[0].ConversationByID(ctx, c.ID); err != nil || got.LastSeq != int64(n) {
		t.Errorf("LastSeq after racing posts = %d (%v), want %d", got.LastSeq, err, n)
	}
}

// raceClientID: one post retried at once on two servers (a client that
// resent it) is stored once; every caller gets that message.
func raceClientID(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	alex := newUser(t, s[0], "alex@example.com")
	c := newGroup(t, s[0], "Retry", 0, userAccount(alex))
	for round := range 3 {
		clientID := fmt.Sprintf("tab-1:%d", round)
		ids := make([]string, racers)
		var mu sync.Mutex
		created := 0
		won := race(t, racers, "", "a repeated post", func(i int) error {
			nm := &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Text: "once", ClientID: clientID}}
			ok, err := s[i%2].PostMessage(ctx, nm)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				created++
			}
			ids[i] = nm.Message.ID
			return nil
		})
		if len(won) != racers || created != 1 {
			t.Fatalf("round %d: %d posts succeeded, %d created; want %d and exactly 1", round, len(won), created, racers)
		}
		for i, id := range ids {
			if id != ids[0] {
				t.Errorf("round %d: caller %d got message %s, caller 0 %s", round, i, id, ids[0])
			}
		}
	}
	ms, err := s[0].Messages(ctx, c.ID, store.MessageFilter{})
	must(t, err, "Messages")
	if got, err := s[1].ConversationByID(ctx, c.ID); len(ms) != 3 || err != nil || got.LastSeq != 3 {
		t.Errorf("after 3 rounds: %d messages, LastSeq %d (%v); want 3 and 3", len(ms), got.LastSeq, err)
	}
}

// raceClaims: workers on two servers claim deliveries at once: no
// delivery is held by two of them, and together they take all.
func raceClaims(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	alex := newUser(t, s[0], "alex@example.com")
	b := newBot(t, s[0], alex, "helper")
	c := newGroup(t, s[0], "Team", 0, userAccount(alex), botAccount(b))
	const total = 60
	var ds []*tandem.Delivery
	for range total {
		ds = append(ds, newDelivery(b, c, tandem.DeliveryMention))
	}
	must(t, s[0].EnqueueDeliveries(ctx, ds), "EnqueueDeliveries")
	claimed := make([][]string, racers)
	race(t, racers, "", "a claim", func(i int) error {
		for {
			got, err := s[i%2].ClaimDeliveries(ctx, at(1), 3, time.Hour)
			if err != nil {
				return err
			}
			if len(got) == 0 {
				return nil
			}
			claimed[i] = append(claimed[i], deliveryIDs(got)...)
		}
	})
	seen := make(map[string]int)
	for i, ids := range claimed {
		for _, id := range ids {
			if j, ok := seen[id]; ok {
				t.Errorf("delivery %s was claimed by worker %d and worker %d", id, j, i)
			}
			seen[id] = i
		}
	}
	if len(seen) != total {
		t.Errorf("the workers claimed %d deliveries, want all %d", len(seen), total)
	}
}

// raceMarkRead: a member reading on several devices at once: LastRead
// ends at the furthest seq read, never an earlier one.
func raceMarkRead(t *testing.T, s [2]store.Store) {
	ctx := context.Background()
	alex := newUser(t, s[0], "alex@example.com")
	c := newGroup(t, s[0], "Reads", 0, userAccount(alex))
	for i := range racers {
		post(t, s[0], c, userAccount(alex), fmt.Sprintf("m%d", i), i)
	}
	for round := range 3 {
		won := race(t, racers, "", "a read", func(i int) error {
			// Seqs 1..racers in an order that differs by round.
			seq := int64((i+round*5)%racers + 1)
			return s[i%2].MarkRead(ctx, c.ID, userAccount(alex), seq)
		})
		if len(won) != racers {
			t.Fatalf("round %d: %d of %d reads succeeded", round, len(won), racers)
		}
		m, err := s[round%2].Member(ctx, c.ID, userAccount(alex))
		must(t, err, "Member")
		if m.LastRead != racers {
			t.Errorf("round %d: LastRead %d after racing reads, want the furthest, %d", round, m.LastRead, racers)
		}
	}
}
