package webhook

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
)

// testStore is the store the worker tests use, with what they need to set
// up and inspect deliveries.
type testStore interface {
	Store
	CreateBot(ctx context.Context, b *tandem.Bot) error
	UpdateBot(ctx context.Context, b *tandem.Bot) error
	EnqueueDeliveries(ctx context.Context, ds []*tandem.Delivery) error
	DeliveryByID(ctx context.Context, id string) (*tandem.Delivery, error)
	DeliveryAttempts(ctx context.Context, deliveryID string) ([]*tandem.DeliveryAttempt, error)
}

// memStore keeps bots and the outbox in memory, with the claiming rules of
// store.Outbox.
type memStore struct {
	mu       sync.Mutex
	bots     map[string]*tandem.Bot
	ds       map[string]*tandem.Delivery
	attempts map[string][]*tandem.DeliveryAttempt
	// lockFor is the lock of the last claim.
	lockFor time.Duration
}

func newTestStore(t *testing.T) testStore {
	t.Helper()
	return &memStore{bots: map[string]*tandem.Bot{}, ds: map[string]*tandem.Delivery{}, attempts: map[string][]*tandem.DeliveryAttempt{}}
}

func (m *memStore) CreateBot(_ context.Context, b *tandem.Bot) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *b
	m.bots[b.ID] = &c
	return nil
}

func (m *memStore) UpdateBot(ctx context.Context, b *tandem.Bot) error { return m.CreateBot(ctx, b) }

func (m *memStore) BotByID(_ context.Context, id string) (*tandem.Bot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.bots[id]
	if !ok {
		return nil, tandem.Errorf(tandem.ENotFound, "no bot %s", id)
	}
	c := *b
	return &c, nil
}

func (m *memStore) EnqueueDeliveries(_ context.Context, ds []*tandem.Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range ds {
		c := *d
		m.ds[d.ID] = &c
	}
	return nil
}

func (m *memStore) ClaimDeliveries(_ context.Context, now time.Time, limit int, lockFor time.Duration) ([]*tandem.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lockFor = lockFor
	var due []*tandem.Delivery
	for _, d := range m.ds {
		if d.State == tandem.DeliveryPending && !d.NextAttemptAt.After(now) {
			due = append(due, d)
		}
	}
	slices.SortFunc(due, func(a, b *tandem.Delivery) int { return a.CreatedAt.Compare(b.CreatedAt) })
	var out []*tandem.Delivery
	for _, d := range due[:min(limit, len(due))] {
		d.NextAttemptAt = now.Add(lockFor)
		c := *d
		out = append(out, &c)
	}
	return out, nil
}

func (m *memStore) RecordAttempt(_ context.Context, d *tandem.Delivery, a *tandem.DeliveryAttempt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *d
	m.ds[d.ID] = &c
	ac := *a
	m.attempts[d.ID] = append(m.attempts[d.ID], &ac)
	return nil
}

func (m *memStore) DeliveryByID(_ context.Context, id string) (*tandem.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.ds[id]
	if !ok {
		return nil, tandem.Errorf(tandem.ENotFound, "no delivery %s", id)
	}
	c := *d
	return &c, nil
}

func (m *memStore) DeliveryAttempts(_ context.Context, id string) ([]*tandem.DeliveryAttempt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.attempts[id]), nil
}

// retryDead sets a dead delivery pending again, as its owner's "retry"
// does.
func retryDead(t *testing.T, st testStore, id string, now time.Time) {
	t.Helper()
	m := st.(*memStore)
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.ds[id]
	d.State, d.NextAttemptAt, d.DoneAt = tandem.DeliveryPending, now, time.Time{}
}
