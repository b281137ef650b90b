package assist

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/hub"
)

func tabsFrame(body string) []byte { return []byte(`{"k":"tabs"}` + "\n" + body) }

func TestParseTabs(t *testing.T) {
	many := make([]string, maxTabs+1)
	for i := range many {
		many[i] = `{"id":"t` + strings.Repeat("x", i) + `","title":"","url":"","front":` + map[bool]string{true: "true", false: "false"}[i == 0] + `}`
	}
	cases := []struct {
		name, body, err string
	}{
		{"one tab", `{"tabs":[{"id":"a","title":"Cart","url":"https://shop.example.com/cart","front":true}]}`, ""},
		{"two tabs", `{"tabs":[{"id":"a","title":"Cart","url":"/cart","front":false},{"id":"b","title":"Help","url":"/help","front":true}]}`, ""},
		{"most tabs", `{"tabs":[` + strings.Join(many[:maxTabs], ",") + `]}`, ""},
		{"too many tabs", `{"tabs":[` + strings.Join(many, ",") + `]}`, "1 to 20 tabs"},
		{"no tabs", `{"tabs":[]}`, "1 to 20 tabs"},
		{"not a list", `{"tabs":"a"}`, "tabs needs"},
		{"unknown field", `{"tabs":[{"id":"a","front":true,"cookie":"x"}]}`, "tabs needs"},
		{"empty id", `{"tabs":[{"id":"","front":true}]}`, "id must be"},
		{"long id", `{"tabs":[{"id":"` + strings.Repeat("i", maxTabIDLen+1) + `","front":true}]}`, "id must be"},
		{"same id twice", `{"tabs":[{"id":"a","front":true},{"id":"a"}]}`, "listed twice"},
		{"long title", `{"tabs":[{"id":"a","title":"` + strings.Repeat("t", maxTabTitleLen+1) + `","front":true}]}`, "title over"},
		{"long url", `{"tabs":[{"id":"a","url":"/` + strings.Repeat("u", maxTabURLLen) + `","front":true}]}`, "url over"},
		{"none in front", `{"tabs":[{"id":"a"},{"id":"b"}]}`, "exactly one tab in front, got 0"},
		{"two in front", `{"tabs":[{"id":"a","front":true},{"id":"b","front":true}]}`, "exactly one tab in front, got 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := parseTabs([]byte(c.body))
			if c.err == "" {
				if err != nil {
					t.Fatalf("parseTabs: %v", err)
				}
				h, _ := hub.ParseHeader(f)
				if h.Kind != "tabs" || !json.Valid(payload(f)) {
					t.Fatalf("relayed frame %q", f)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("parseTabs = %v, want an error with %q", err, c.err)
			}
		})
	}
}

// agentFrame returns the payload of the last frame of kind k the channel
// has now, and whether there was one.
func agentFrame(c interface{ Next() ([]byte, error) }, k string) (string, bool) {
	var last string
	found := false
	for {
		f, err := c.Next()
		if err != nil || f == nil {
			return last, found
		}
		if h, _ := hub.ParseHeader(f); h.Kind == k {
			last, found = string(payload(f)), true
		}
	}
}

// The person's tabs reach the agents watching and those who join later;
// a bad list closes the channel with 4400 and leaves the kept list as it was.
func TestTabsRelayedAndKept(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	p, id := h.live()
	a, err := h.s.ConnectAgent(h.ctx, h.agent, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := agentFrame(a, "tabs"); ok {
		t.Fatal("tabs frame before the person sent one")
	}
	if err := p.Handle(h.ctx, tabsFrame(`{"tabs":[{"id":"a","title":"Cart","url":"/cart"},{"id":"b","title":"Help","url":"/help","front":true,"extra":1}]}`)); closeCode(err) != CloseBadFrame {
		t.Fatalf("unknown field: %v, want 4400", err)
	}
	// The bad frame closed that channel: the page reconnects.
	if p, err = h.s.ConnectPerson(h.ctx, id, h.s.personToken(id), testOrigin); err != nil {
		t.Fatal(err)
	}
	drain(p)
	want := `{"tabs":[{"id":"a","title":"Cart","url":"/cart","front":false},{"id":"b","title":"Help","url":"/help","front":true}]}`
	if err := p.Handle(h.ctx, tabsFrame(`{"tabs":[{"id":"a","title":"Cart","url":"/cart"},{"id":"b","title":"Help","url":"/help","front":true}]}`)); err != nil {
		t.Fatalf("tabs: %v", err)
	}
	if got, _ := agentFrame(a, "tabs"); got != want {
		t.Fatalf("agent got tabs %s, want %s", got, want)
	}
	if err := p.Handle(h.ctx, tabsFrame(`{"tabs":[]}`)); closeCode(err) != CloseBadFrame {
		t.Fatalf("empty list: %v, want 4400", err)
	}
	later, err := h.s.ConnectAgent(h.ctx, h.agent, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := agentFrame(later, "tabs"); got != want {
		t.Fatalf("a later agent got tabs %s, want %s", got, want)
	}
}

// Before the person allows, and from a channel a newer one replaced, a tabs
// frame is refused and no agent gets it.
func TestTabsRefused(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	st := h.request()
	p := h.connect(st)
	if _, err := h.s.Accept(h.ctx, h.agent, st.Assist.ID); err != nil {
		t.Fatal(err)
	}
	one := tabsFrame(`{"tabs":[{"id":"a","title":"Cart","url":"/cart","front":true}]}`)
	if err := p.Handle(h.ctx, one); closeCode(err) != CloseForbidden {
		t.Fatalf("tabs before consent: %v, want 4403", err)
	}
	p = h.connect(st)
	if err := p.Handle(h.ctx, []byte(`{"k":"consent"}`+"\n"+`{"allow":true}`)); err != nil {
		t.Fatal(err)
	}
	a, err := h.s.ConnectAgent(h.ctx, h.agent, st.Assist.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.connect(st)
	if err := p.Handle(h.ctx, one); closeCode(err) != CloseReplaced {
		t.Fatalf("tabs from a replaced channel: %v, want 4409", err)
	}
	if _, ok := agentFrame(a, "tabs"); ok {
		t.Fatal("the agent got a refused tabs frame")
	}
}
