package assist

import (
	"context"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
)

// A request whose person channel never connects ends after the grace.
func TestRequestNeverConnectedEndsAfterGrace(t *testing.T) {
	h := newHarness(t, Config{Grace: 50 * time.Millisecond}, nil)
	changed, stop := h.s.SubscribeQueue()
	defer stop()
	st := h.request()
	for {
		a, err := h.db.AssistByID(h.ctx, st.Assist.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.State == tandem.AssistEnded {
			if a.EndReason != "the person never connected" {
				t.Fatalf("end reason = %q", a.EndReason)
			}
			return
		}
		select {
		case <-changed:
		case <-h.ctx.Done():
			t.Fatalf("the request is still %s", a.State)
		}
	}
}

// slowAudit is a store whose audit writes take a while, as on a busy disk.
type slowAudit struct{ Store }

func (s slowAudit) AppendAudit(ctx context.Context, e *tandem.AuditEntry) error {
	time.Sleep(50 * time.Millisecond)
	return s.Store.AppendAudit(ctx, e)
}

// An audit entry of something done just before the shutdown is stored by
// the time Shutdown returns.
func TestAuditBeforeShutdownIsStored(t *testing.T) {
	h := newHarness(t, Config{}, func(st Store) Store { return slowAudit{st} })
	_, id := h.live()
	if _, err := h.s.ConnectAgent(h.ctx, h.agent, id, 0); err != nil {
		t.Fatal(err)
	}
	if err := h.s.Shutdown(h.ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := h.db.AuditFor(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == "watch" {
			return
		}
	}
	t.Fatalf("no watch entry in %d audit entries after shutdown", len(entries))
}
