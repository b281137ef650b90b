package assist

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// A person asking for help is told how many agents are available and how
// long they wait before being offered to leave a message; an agent's
// availability signals the queue watchers.
func TestPickupAndAvailability(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	changed, stop := h.s.SubscribeQueue()
	defer stop()
	for _, c := range []struct {
		name      string
		available *bool // nil: the agent says nothing
		timeout   *time.Duration
		want      Pickup
	}{
		{"no agent ever said, default time", nil, nil, Pickup{0, store.DefaultPickupTimeout}},
		{"available, site time", ptrTo(true), ptrTo(45 * time.Second), Pickup{1, 45 * time.Second}},
		{"away again, never told", ptrTo(false), ptrTo(time.Duration(0)), Pickup{0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.available != nil {
				if err := h.s.SetAvailable(h.ctx, h.agent, *c.available); err != nil {
					t.Fatal(err)
				}
				select {
				case <-changed:
				case <-h.ctx.Done():
					t.Fatal("setting availability did not signal the queue")
				}
				if got, err := h.s.Available(h.ctx, h.agent.ID); err != nil || got != *c.available {
					t.Errorf("Available = %v, %v; want %v", got, err, *c.available)
				}
			}
			if c.timeout != nil {
				if err := h.db.SetPickupTimeout(h.ctx, h.site.ID, *c.timeout, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			if got := h.request().Pickup; got == nil || *got != c.want {
				t.Errorf("Pickup = %+v, want %+v", got, c.want)
			}
			<-changed // the request itself
		})
	}
}

// A person leaves a message while waiting: it is posted and the request is
// marked; whatever is refused posts and marks nothing.
func TestLeaveMessage(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	st := h.request()
	live := h.request()
	if _, err := h.s.Accept(h.ctx, h.agent, live.Assist.ID); err != nil {
		t.Fatal(err)
	}
	ok := LeftMessage{AssistID: st.Assist.ID, Token: st.PersonToken, Origin: testOrigin, Text: "Call me back please"}
	failPost := errors.New("the conversation is gone")
	for _, c := range []struct {
		name    string
		edit    func(m *LeftMessage)
		postErr error
		code    string
	}{
		{"empty", func(m *LeftMessage) { m.Text = "  \n" }, nil, tandem.EInvalid},
		{"too long", func(m *LeftMessage) { m.Text = strings.Repeat("a", MaxLeftMessage+1) }, nil, tandem.EInvalid},
		{"not UTF-8", func(m *LeftMessage) { m.Text = "\xff" }, nil, tandem.EInvalid},
		{"another request's token", func(m *LeftMessage) { m.Token = live.PersonToken }, nil, tandem.EUnauthorized},
		{"no token", func(m *LeftMessage) { m.Token = "" }, nil, tandem.EUnauthorized},
		{"foreign origin", func(m *LeftMessage) { m.Origin = "https://evil.example" }, nil, tandem.ENotAllowed},
		{"no longer waiting", func(m *LeftMessage) { m.AssistID, m.Token = live.Assist.ID, live.PersonToken }, nil, tandem.EConflict},
		{"post fails", func(*LeftMessage) {}, failPost, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := ok
			c.edit(&m)
			posted := false
			err := h.s.LeaveMessage(h.ctx, m, func(context.Context, *tandem.Assist) (bool, error) {
				posted = true
				return c.postErr == nil, c.postErr
			})
			if c.postErr != nil {
				if !errors.Is(err, c.postErr) {
					t.Errorf("error %v, want %v", err, c.postErr)
				}
			} else if tandem.ErrorCode(err) != c.code {
				t.Errorf("error %v, want code %s", err, c.code)
			}
			if posted != (c.postErr != nil) {
				t.Errorf("posted = %v", posted)
			}
			if left, _ := h.s.LeftMessages(h.ctx, []string{st.Assist.ID, live.Assist.ID}); len(left) != 0 {
				t.Errorf("marked %v", left)
			}
		})
	}
	var got *tandem.Assist
	if err := h.s.LeaveMessage(h.ctx, ok, func(_ context.Context, a *tandem.Assist) (bool, error) { got = a; return true, nil }); err != nil {
		t.Fatal(err)
	}
	// The same message again (post stores nothing new): marked and
	// audited once.
	if err := h.s.LeaveMessage(h.ctx, ok, func(context.Context, *tandem.Assist) (bool, error) { return false, nil }); err != nil {
		t.Fatal(err)
	}
	audit, err := h.db.AuditFor(h.ctx, st.Assist.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range audit {
		if e.Action == "left-message" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d left-message audit entries, want 1", n)
	}
	if got == nil || got.ID != st.Assist.ID {
		t.Fatalf("posted for %v, want %s", got, st.Assist.ID)
	}
	left, err := h.s.LeftMessages(h.ctx, []string{st.Assist.ID})
	if err != nil || left[st.Assist.ID].IsZero() {
		t.Errorf("LeftMessages = %v, %v; want the request marked", left, err)
	}
	if a, err := h.db.AssistByID(h.ctx, st.Assist.ID); err != nil || a.State != tandem.AssistWaiting {
		t.Errorf("after leaving a message the request is %v (%v), want still waiting", a, err)
	}
}
