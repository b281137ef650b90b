package assist

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/bus/local"
	"github.com/tandemhq/tandem/internal/bus/natsbus"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/natstest"
	"github.com/tandemhq/tandem/internal/protocol"
)

const testMapping = `{"tags":{"Field":{"element":"input","text":"value","mask":true}}}`

// rawFrames takes every frame a channel has now, as header and payload.
func rawFrames(t *testing.T, c interface{ Next() ([]byte, error) }) (hs []hub.Header, payloads [][]byte) {
	t.Helper()
	for {
		f, err := c.Next()
		if err != nil {
			t.Fatalf("the channel closed: %v", err)
		}
		if f == nil {
			return hs, payloads
		}
		hd, err := hub.ParseHeader(f)
		if err != nil {
			t.Fatalf("a frame that does not parse: %v", err)
		}
		_, body, _ := bytes.Cut(f, []byte("\n"))
		hs, payloads = append(hs, hd), append(payloads, body)
	}
}

// siteFrames is the payloads of the site frames a channel has now.
func siteFrames(t *testing.T, c interface{ Next() ([]byte, error) }) []siteInfo {
	t.Helper()
	var out []siteInfo
	hs, payloads := rawFrames(t, c)
	for i, h := range hs {
		if h.Kind != protocol.KindSite {
			continue
		}
		var info siteInfo
		if err := json.Unmarshal(payloads[i], &info); err != nil {
			t.Fatalf("a site frame that is not JSON: %q", payloads[i])
		}
		out = append(out, info)
	}
	return out
}

// editSite changes what the person's SDK applies of site s in the store.
func editSite(t *testing.T, h *harness, s *tandem.Site, strict bool, mapping string) {
	t.Helper()
	s.StrictMasking, s.ScreenMapping = strict, mapping
	if err := h.db.UpdateSite(h.ctx, s); err != nil {
		t.Fatal(err)
	}
}

// An edit of the site reaches the person of a live assist at once, in a
// site frame with what the welcome says; the next welcome says the same.
// An edit that changes nothing the SDK applies sends nothing.
func TestSiteChangedTellsThePerson(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	p, id := h.live()
	editSite(t, h, h.site, true, testMapping)
	if err := h.s.SiteChanged(h.ctx, h.site.ID); err != nil {
		t.Fatal(err)
	}
	got := siteFrames(t, p)
	if len(got) != 1 || !got[0].StrictMasking || got[0].CaptureBodies || string(got[0].ScreenMapping) != testMapping {
		t.Fatalf("site frames after the edit: %+v", got)
	}
	// A name is nothing the SDK applies.
	h.site.Name = "Shop 2"
	if err := h.db.UpdateSite(h.ctx, h.site); err != nil {
		t.Fatal(err)
	}
	if err := h.s.SiteChanged(h.ctx, h.site.ID); err != nil {
		t.Fatal(err)
	}
	if got := siteFrames(t, p); len(got) != 0 {
		t.Errorf("site frames after a change of name: %+v", got)
	}
	// The mapping back to the default: the frame says so by leaving it out.
	editSite(t, h, h.site, false, "")
	if err := h.s.SiteChanged(h.ctx, h.site.ID); err != nil {
		t.Fatal(err)
	}
	if got := siteFrames(t, p); len(got) != 1 || got[0].StrictMasking || got[0].ScreenMapping != nil {
		t.Errorf("site frames after going back to the default: %+v", got)
	}
	// The person's next connection is welcomed with the site as it is now.
	editSite(t, h, h.site, true, testMapping)
	if err := h.s.SiteChanged(h.ctx, h.site.ID); err != nil {
		t.Fatal(err)
	}
	p2, err := h.s.ConnectPerson(h.ctx, id, h.s.personToken(id), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	hs, payloads := rawFrames(t, p2)
	var welcome struct{ Site siteInfo }
	if len(hs) == 0 || hs[0].Kind != protocol.KindWelcome || json.Unmarshal(payloads[0], &welcome) != nil {
		t.Fatalf("the reconnected person's frames: %+v", hs)
	}
	if !welcome.Site.StrictMasking || string(welcome.Site.ScreenMapping) != testMapping {
		t.Errorf("the welcome after the edit: %s", payloads[0])
	}
}

// SiteChanged of a site with no live assist here sends nothing.
func TestSiteChangedOtherSites(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	p, _ := h.live()
	if err := h.s.SiteChanged(h.ctx, "site_nosuch"); err != nil {
		t.Errorf("SiteChanged of a site without assists here: %v", err)
	}
	if got := siteFrames(t, p); len(got) != 0 {
		t.Errorf("site frames after another site's change: %+v", got)
	}
}

// secondSiteLive starts a live assist on a second site of h's store, on
// node s, and returns its site and person channel.
func secondSiteLive(t *testing.T, h *harness, s *Service) (*tandem.Site, *PersonConn) {
	t.Helper()
	site := &tandem.Site{Name: "Bank", AllowedOrigins: []string{testOrigin}}
	if err := h.db.CreateSite(h.ctx, site); err != nil {
		t.Fatal(err)
	}
	st, err := s.RequestHelp(h.ctx, HelpRequest{SiteKey: site.Key, PageID: "p1", URL: testOrigin + "/", Origin: testOrigin})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.ConnectPerson(h.ctx, st.Assist.ID, st.PersonToken, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(h.ctx, h.agent, st.Assist.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.Handle(h.ctx, []byte(`{"k":"consent"}`+"\n"+`{"allow":true}`)); err != nil {
		t.Fatal(err)
	}
	drain(p)
	return site, p
}

// woken returns a channel that receives when the transport of c is woken.
func woken(c *PersonConn) <-chan struct{} {
	ch := make(chan struct{}, 1)
	c.Start(func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	})
	<-ch // Start wakes it once at once
	return ch
}

// waitSiteFrame waits until c has a site frame and returns it.
func waitSiteFrame(t *testing.T, ctx context.Context, c *PersonConn, wake <-chan struct{}) siteInfo {
	t.Helper()
	for {
		select {
		case <-wake:
		case <-ctx.Done():
			t.Fatal("no site frame came")
		}
		if got := siteFrames(t, c); len(got) > 0 {
			return got[0]
		}
	}
}

// A site edited through one node reaches the live assists another node
// serves, on the in-process bus and on NATS. The node ignores its own
// announcements and messages it cannot read.
func TestSiteChangeReachesOtherNodes(t *testing.T) {
	for _, tt := range []struct {
		name string
		bus  func(t *testing.T) bus.Bus
	}{
		{"local", func(*testing.T) bus.Bus { return local.New() }},
		{"nats", func(t *testing.T) bus.Bus {
			srv := natstest.Start(t, natstest.Auth{})
			b, err := natsbus.Open(t.Context(), srv.URL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close(context.Background()) })
			return b
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.bus(t)
			h := newHarness(t, Config{Bus: b}, nil)
			other := secondNode(t, h, b)
			p, _ := h.live()
			bank, p2 := secondSiteLive(t, h, h.s)
			wake, wake2 := woken(p), woken(p2)

			// The first site changes in the store, but the only news of
			// it is this node's own (it applied it already) and garbage.
			editSite(t, h, h.site, true, testMapping)
			for _, data := range [][]byte{
				bus.SiteChange{Node: h.s.busNode, Site: h.site.ID}.Encode(),
				[]byte(`{"node":"x","site":"a.b"}`), []byte("not json"),
			} {
				if err := b.Publish(h.ctx, bus.Sites(), data); err != nil {
					t.Fatal(err)
				}
			}
			// The second site changes through the other node, which
			// announces it after those: by the time it arrives here, they
			// were read.
			editSite(t, h, bank, true, "")
			if err := other.SiteChanged(h.ctx, bank.ID); err != nil {
				t.Fatal(err)
			}
			if got := waitSiteFrame(t, h.ctx, p2, wake2); !got.StrictMasking || got.ScreenMapping != nil {
				t.Errorf("the second site's person got %+v", got)
			}
			if got := siteFrames(t, p); len(got) != 0 {
				t.Errorf("the first site's person got %+v from its own node's announcement", got)
			}
			// The first site's change announced by the other node reaches
			// its person.
			if err := other.SiteChanged(h.ctx, h.site.ID); err != nil {
				t.Fatal(err)
			}
			if got := waitSiteFrame(t, h.ctx, p, wake); !got.StrictMasking || string(got.ScreenMapping) != testMapping {
				t.Errorf("the first site's person got %+v", got)
			}
		})
	}
}

// A node whose subscription dropped announcements reads again the sites of
// all its live assists: the one it missed is applied.
func TestSiteReadAgainAfterADrop(t *testing.T) {
	b := &droppingBus{Bus: local.New()}
	h := newHarness(t, Config{Bus: b}, nil)
	p, _ := h.live()
	wake := woken(p)
	editSite(t, h, h.site, true, testMapping)
	b.dropped.Add(1)
	// Alone, this announcement of the node's own would change nothing.
	if err := b.Publish(h.ctx, bus.Sites(), bus.SiteChange{Node: h.s.busNode, Site: h.site.ID}.Encode()); err != nil {
		t.Fatal(err)
	}
	if got := waitSiteFrame(t, h.ctx, p, wake); !got.StrictMasking || string(got.ScreenMapping) != testMapping {
		t.Errorf("the person got %+v", got)
	}
}
