package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// newDelivery returns a pending delivery to b in c, due at at(0).
func newDelivery(b *tandem.Bot, c *tandem.Conversation, kind tandem.DeliveryKind) *tandem.Delivery {
	return &tandem.Delivery{BotID: b.ID, Kind: kind, ConversationID: c.ID, URL: b.URL,
		Payload: []byte(`{"type":"` + string(kind) + `"}`), NextAttemptAt: at(0)}
}

func deliveryIDs(ds []*tandem.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

func testMentionDeliveries(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	b, other := newBot(t, s, alex, "helper"), newBot(t, s, alex, "other")
	c := newGroup(t, s, "Team", 0, userAccount(alex), botAccount(b), botAccount(other))
	m := &tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Text: "@helper @other look", Mentions: []tandem.Account{botAccount(b), botAccount(other)}}
	d1, d2 := newDelivery(b, c, tandem.DeliveryMention), newDelivery(other, c, tandem.DeliveryMention)
	d1.ConversationID = "" // set from the message
	_, err := s.PostMessage(ctx, &store.NewMessage{Message: m, Deliveries: []*tandem.Delivery{d1, d2}})
	must(t, err, "PostMessage with deliveries")
	for _, d := range []*tandem.Delivery{d1, d2} {
		checkID(t, d.ID, "delivery")
		if d.MessageID != m.ID || d.ConversationID != c.ID || d.State != tandem.DeliveryPending || d.CreatedAt.IsZero() {
			t.Errorf("PostMessage set the delivery to %+v", d)
		}
		got, err := s.DeliveryByID(ctx, d.ID)
		must(t, err, "DeliveryByID")
		if got.MessageID != m.ID || got.BotID != d.BotID || got.Kind != tandem.DeliveryMention || string(got.Payload) != string(d.Payload) ||
			got.URL != d.URL || got.State != tandem.DeliveryPending || got.Attempts != 0 || !sameTime(got.NextAttemptAt, at(0)) {
			t.Errorf("DeliveryByID = %+v, want %+v", got, d)
		}
	}
	// A message whose delivery is refused is not stored either.
	bad := newDelivery(b, c, tandem.DeliveryMention)
	bad.URL = "not a url"
	_, err = s.PostMessage(ctx, &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Text: "@helper"},
		Deliveries: []*tandem.Delivery{bad}})
	wantCode(t, err, tandem.EInvalid, "PostMessage with a bad delivery")
	gone := newDelivery(&tandem.Bot{ID: "no-such-bot", URL: "https://x.example"}, c, tandem.DeliveryMention)
	_, err = s.PostMessage(ctx, &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Text: "@ghost"},
		Deliveries: []*tandem.Delivery{gone}})
	wantCode(t, err, tandem.ENotFound, "PostMessage with a delivery to an unknown bot")
	elsewhere := newDelivery(b, &tandem.Conversation{ID: "another-conversation"}, tandem.DeliveryMention)
	_, err = s.PostMessage(ctx, &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Text: "@helper"},
		Deliveries: []*tandem.Delivery{elsewhere}})
	wantCode(t, err, tandem.EInvalid, "PostMessage with a delivery in another conversation")
	if got, err := s.ConversationByID(ctx, c.ID); err != nil || got.LastSeq != 1 {
		t.Errorf("refused posts moved LastSeq to %d (%v)", got.LastSeq, err)
	}
	ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{})
	must(t, err, "ListDeliveries")
	if len(ds) != 2 {
		t.Errorf("%d deliveries stored, want the 2 of the one message", len(ds))
	}
	// A repeated client id writes its deliveries once.
	rep := func() *store.NewMessage {
		return &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Text: "@helper", ClientID: "c1"},
			Deliveries: []*tandem.Delivery{newDelivery(b, c, tandem.DeliveryMention)}}
	}
	for range 2 {
		_, err := s.PostMessage(ctx, rep())
		must(t, err, "PostMessage with a client id")
	}
	ds, err = s.ListDeliveries(ctx, store.DeliveryFilter{BotID: b.ID})
	must(t, err, "ListDeliveries")
	if len(ds) != 2 {
		t.Errorf("the helper has %d deliveries after a repeated post, want 2", len(ds))
	}
}

func testOutbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	b, other := newBot(t, s, alex, "helper"), newBot(t, s, alex, "other")
	c := newGroup(t, s, "Team", 0, userAccount(alex), botAccount(b))
	var ds []*tandem.Delivery
	for i := range 4 {
		d := newDelivery(b, c, tandem.DeliveryAction)
		d.NextAttemptAt, d.CreatedAt = at(i), at(i)
		ds = append(ds, d)
	}
	late := newDelivery(other, c, tandem.DeliveryCommand)
	late.NextAttemptAt, late.CreatedAt = at(60), at(-1)
	must(t, s.EnqueueDeliveries(ctx, append(slices.Clone(ds), late)), "EnqueueDeliveries")
	must(t, s.EnqueueDeliveries(ctx, nil), "EnqueueDeliveries of none")

	// Due by at(2): the first three, oldest first; the late one waits.
	got, err := s.ClaimDeliveries(ctx, at(2), 10, 90*time.Second)
	must(t, err, "ClaimDeliveries")
	if want := deliveryIDs(ds[:3]); !slices.Equal(deliveryIDs(got), want) {
		t.Fatalf("ClaimDeliveries at(2) = %v, want %v", deliveryIDs(got), want)
	}
	if string(got[0].Payload) != string(ds[0].Payload) || got[0].URL != b.URL {
		t.Errorf("a claimed delivery = %+v", got[0])
	}
	// Claimed ones are hidden from other claims while the lock holds.
	again, err := s.ClaimDeliveries(ctx, at(3), 10, 90*time.Second)
	must(t, err, "ClaimDeliveries again")
	if want := deliveryIDs(ds[3:4]); !slices.Equal(deliveryIDs(again), want) {
		t.Errorf("ClaimDeliveries at(3) = %v, want only %v", deliveryIDs(again), want)
	}

	// The first fails with a retry; the second is delivered; the third dies.
	retry := *got[0]
	retry.Attempts, retry.LastStatus, retry.LastError, retry.NextAttemptAt = 1, 503, "503 Service Unavailable", at(30)
	must(t, s.RecordAttempt(ctx, &retry, &tandem.DeliveryAttempt{N: 1, At: at(2), Status: 503, Error: "503 Service Unavailable", Duration: 120 * time.Millisecond}), "RecordAttempt retry")
	done := *got[1]
	done.Attempts, done.State, done.LastStatus, done.DoneAt = 1, tandem.DeliveryDelivered, 200, at(2)
	must(t, s.RecordAttempt(ctx, &done, &tandem.DeliveryAttempt{At: at(2), Status: 200, Duration: 5 * time.Millisecond}), "RecordAttempt delivered")
	dead := *got[2]
	dead.Attempts, dead.State, dead.LastStatus, dead.LastError, dead.DoneAt = 1, tandem.DeliveryDead, 410, "410 Gone", at(2)
	must(t, s.RecordAttempt(ctx, &dead, &tandem.DeliveryAttempt{N: 1, At: at(2), Status: 410, Error: "410 Gone"}), "RecordAttempt dead")
	wantCode(t, s.RecordAttempt(ctx, &dead, &tandem.DeliveryAttempt{N: 1, At: at(2)}), tandem.EConflict, "RecordAttempt of an attempt number twice")

	stored, err := s.DeliveryByID(ctx, retry.ID)
	must(t, err, "DeliveryByID")
	if stored.State != tandem.DeliveryPending || stored.Attempts != 1 || stored.LastStatus != 503 || stored.LastError != retry.LastError ||
		!sameTime(stored.NextAttemptAt, at(30)) || !stored.DoneAt.IsZero() {
		t.Errorf("after a retry: %+v", stored)
	}
	attempts, err := s.DeliveryAttempts(ctx, retry.ID)
	must(t, err, "DeliveryAttempts")
	if len(attempts) != 1 || attempts[0].N != 1 || attempts[0].Status != 503 || attempts[0].Duration != 120*time.Millisecond ||
		!sameTime(attempts[0].At, at(2)) || attempts[0].DeliveryID != retry.ID {
		t.Errorf("DeliveryAttempts = %+v", attempts)
	}
	if stored, err := s.DeliveryByID(ctx, done.ID); err != nil || stored.State != tandem.DeliveryDelivered || !sameTime(stored.DoneAt, at(2)) {
		t.Errorf("delivered: %+v, %v", stored, err)
	}
	// The retry is not due before its time, even with no lock on it;
	// delivered and dead ones are never claimed; a lapsed claim is
	// claimable again (its worker died).
	got, err = s.ClaimDeliveries(ctx, at(29), 10, time.Minute)
	must(t, err, "ClaimDeliveries at(29)")
	if want := []string{ds[3].ID}; !slices.Equal(deliveryIDs(got), want) {
		t.Errorf("ClaimDeliveries at(29) = %v, want only the lapsed claim %v", deliveryIDs(got), want)
	}
	got, err = s.ClaimDeliveries(ctx, at(61), 10, time.Hour)
	must(t, err, "ClaimDeliveries at(61)")
	if want := []string{ds[3].ID, retry.ID, late.ID}; !slices.Equal(deliveryIDs(got), want) {
		t.Errorf("ClaimDeliveries at(61) = %v, want %v (the lapsed claim, the retry, the late one)", deliveryIDs(got), want)
	}

	// The owner retries the dead one: pending again, with no attempt.
	dead.State, dead.NextAttemptAt, dead.DoneAt = tandem.DeliveryPending, at(70), time.Time{}
	must(t, s.RecordAttempt(ctx, &dead, nil), "RecordAttempt without an attempt")
	if attempts, err := s.DeliveryAttempts(ctx, dead.ID); err != nil || len(attempts) != 1 {
		t.Errorf("a retry by the owner added an attempt: %v, %v", attempts, err)
	}
	got, err = s.ClaimDeliveries(ctx, at(70), 10, time.Minute)
	must(t, err, "ClaimDeliveries at(70)")
	if !slices.Equal(deliveryIDs(got), []string{dead.ID}) {
		t.Errorf("ClaimDeliveries after the owner's retry = %v, want %s", deliveryIDs(got), dead.ID)
	}

	// The log: newest first, by bot and state.
	for _, tt := range []struct {
		name string
		f    store.DeliveryFilter
		want []string
	}{
		{"all of the helper", store.DeliveryFilter{BotID: b.ID}, []string{ds[3].ID, ds[2].ID, ds[1].ID, ds[0].ID}},
		{"delivered", store.DeliveryFilter{BotID: b.ID, States: []tandem.DeliveryState{tandem.DeliveryDelivered}}, []string{ds[1].ID}},
		{"pending", store.DeliveryFilter{BotID: b.ID, States: []tandem.DeliveryState{tandem.DeliveryPending}}, []string{ds[3].ID, ds[2].ID, ds[0].ID}},
		{"limit", store.DeliveryFilter{BotID: b.ID, Limit: 1}, []string{ds[3].ID}},
		{"the other's", store.DeliveryFilter{BotID: other.ID}, []string{late.ID}},
	} {
		list, err := s.ListDeliveries(ctx, tt.f)
		must(t, err, "ListDeliveries "+tt.name)
		if !slices.Equal(deliveryIDs(list), tt.want) {
			t.Errorf("ListDeliveries %s = %v, want %v", tt.name, deliveryIDs(list), tt.want)
		}
	}
	_, err = s.DeliveryByID(ctx, "no-such-delivery")
	wantCode(t, err, tandem.ENotFound, "DeliveryByID unknown")
	_, err = s.DeliveryAttempts(ctx, "no-such-delivery")
	wantCode(t, err, tandem.ENotFound, "DeliveryAttempts unknown")
	wantCode(t, s.RecordAttempt(ctx, &tandem.Delivery{ID: "no-such-delivery", State: tandem.DeliveryDead}, &tandem.DeliveryAttempt{N: 1}),
		tandem.ENotFound, "RecordAttempt unknown")
}

// testOutboxLock: a claim lapses after lockFor (a worker died), and
// claims take at most limit, the oldest.
func testOutboxLock(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	b := newBot(t, s, alex, "helper")
	c := newGroup(t, s, "Team", 0, userAccount(alex), botAccount(b))
	var ds []*tandem.Delivery
	for i := range 5 {
		d := newDelivery(b, c, tandem.DeliveryMention)
		d.NextAttemptAt = at(i)
		ds = append(ds, d)
	}
	must(t, s.EnqueueDeliveries(ctx, ds), "EnqueueDeliveries")
	first, err := s.ClaimDeliveries(ctx, at(10), 2, 30*time.Second)
	must(t, err, "ClaimDeliveries")
	if !slices.Equal(deliveryIDs(first), deliveryIDs(ds[:2])) {
		t.Fatalf("ClaimDeliveries limit 2 = %v, want the two oldest %v", deliveryIDs(first), deliveryIDs(ds[:2]))
	}
	second, err := s.ClaimDeliveries(ctx, at(10).Add(29*time.Second), 10, 30*time.Second)
	must(t, err, "ClaimDeliveries while locked")
	if !slices.Equal(deliveryIDs(second), deliveryIDs(ds[2:])) {
		t.Errorf("ClaimDeliveries while the first claim holds = %v, want %v", deliveryIDs(second), deliveryIDs(ds[2:]))
	}
	third, err := s.ClaimDeliveries(ctx, at(10).Add(30*time.Second), 10, 30*time.Second)
	must(t, err, "ClaimDeliveries after the lock lapsed")
	if !slices.Equal(deliveryIDs(third), deliveryIDs(ds[:2])) {
		t.Errorf("ClaimDeliveries once the first claim lapsed = %v, want %v", deliveryIDs(third), deliveryIDs(ds[:2]))
	}
	for _, tt := range []struct {
		limit int
		lock  time.Duration
	}{{0, time.Minute}, {-1, time.Minute}, {store.MaxClaim + 1, time.Minute}, {1, 0}, {1, -time.Second}} {
		_, err := s.ClaimDeliveries(ctx, at(10), tt.limit, tt.lock)
		wantCode(t, err, tandem.EInvalid, fmt.Sprintf("ClaimDeliveries(limit %d, lock %v)", tt.limit, tt.lock))
	}
}

func testOutboxValidation(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	b := newBot(t, s, alex, "helper")
	c := newGroup(t, s, "Team", 0, userAccount(alex), botAccount(b))
	with := func(f func(d *tandem.Delivery)) *tandem.Delivery {
		d := newDelivery(b, c, tandem.DeliveryAction)
		f(d)
		return d
	}
	for _, tt := range []struct {
		name string
		d    *tandem.Delivery
		code string
	}{
		{"nil", nil, tandem.EInvalid},
		{"no bot", with(func(d *tandem.Delivery) { d.BotID = "" }), tandem.EInvalid},
		{"no conversation", with(func(d *tandem.Delivery) { d.ConversationID = "" }), tandem.EInvalid},
		{"unknown kind", with(func(d *tandem.Delivery) { d.Kind = "ping" }), tandem.EInvalid},
		{"unknown state", with(func(d *tandem.Delivery) { d.State = "lost" }), tandem.EInvalid},
		{"no payload", with(func(d *tandem.Delivery) { d.Payload = nil }), tandem.EInvalid},
		{"huge payload", with(func(d *tandem.Delivery) { d.Payload = []byte(strings.Repeat("x", store.MaxDeliveryPayload+1)) }), tandem.EInvalid},
		{"file URL", with(func(d *tandem.Delivery) { d.URL = "file:///etc/passwd" }), tandem.EInvalid},
		{"unknown bot", with(func(d *tandem.Delivery) { d.BotID = "no-such-bot" }), tandem.ENotFound},
		{"unknown conversation", with(func(d *tandem.Delivery) { d.ConversationID = "no-such-conversation" }), tandem.ENotFound},
	} {
		// One bad delivery among good ones: none is written.
		wantCode(t, s.EnqueueDeliveries(ctx, []*tandem.Delivery{newDelivery(b, c, tandem.DeliveryAction), tt.d}), tt.code, "EnqueueDeliveries "+tt.name)
	}
	ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{})
	must(t, err, "ListDeliveries")
	if len(ds) != 0 {
		t.Errorf("refused deliveries were written: %d", len(ds))
	}
	for _, f := range []store.DeliveryFilter{{Limit: -1}, {Limit: store.MaxDeliveryLimit + 1}, {States: []tandem.DeliveryState{"lost"}}} {
		_, err := s.ListDeliveries(ctx, f)
		wantCode(t, err, tandem.EInvalid, fmt.Sprintf("ListDeliveries(%+v)", f))
	}
	d := newDelivery(b, c, tandem.DeliveryAction)
	must(t, s.EnqueueDeliveries(ctx, []*tandem.Delivery{d}), "EnqueueDeliveries")
	for _, tt := range []struct {
		name string
		d    tandem.Delivery
		a    *tandem.DeliveryAttempt
	}{
		{"bad state", tandem.Delivery{ID: d.ID, State: "lost"}, nil},
		{"no id", tandem.Delivery{State: tandem.DeliveryDead}, nil},
		{"attempt 0", tandem.Delivery{ID: d.ID, State: tandem.DeliveryPending}, &tandem.DeliveryAttempt{N: 0}},
		{"another delivery's attempt", tandem.Delivery{ID: d.ID, State: tandem.DeliveryPending, Attempts: 1}, &tandem.DeliveryAttempt{DeliveryID: "other", N: 1}},
		{"negative duration", tandem.Delivery{ID: d.ID, State: tandem.DeliveryPending, Attempts: 1}, &tandem.DeliveryAttempt{N: 1, Duration: -time.Second}},
	} {
		wantCode(t, s.RecordAttempt(ctx, &tt.d, tt.a), tandem.EInvalid, "RecordAttempt "+tt.name)
	}
	wantCode(t, s.RecordAttempt(ctx, nil, nil), tandem.EInvalid, "RecordAttempt(nil)")
	if got, err := s.DeliveryByID(ctx, d.ID); err != nil || got.State != tandem.DeliveryPending || got.Attempts != 0 {
		t.Errorf("refused attempts changed the delivery: %+v, %v", got, err)
	}
}
