package assist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/protocol"
)

// Bounds of a tabs frame (docs/protocol.md, "Tabs"): the person's browser
// may hold many tabs of a site, but the agent's list stays short, and a
// frame relayed to every agent must stay small whatever the page sends.
const (
	maxTabs        = 20
	maxTabIDLen    = 64
	maxTabTitleLen = 300
	maxTabURLLen   = 2048
)

// tabsInterval is the least time between two tabs frames relayed to the
// agents. A page may send lists as fast as its byte rate allows (thousands
// a second); a list that comes sooner is held, and only the latest one
// held goes out when the interval ends, so that each agent gets at most a
// few a second and its queue never fills with them.
const tabsInterval = 250 * time.Millisecond

// tab is one tab of the site open in the person's browser.
type tab struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url"`
	Front bool   `json:"front"`
}

// parseTabs checks a tabs frame's payload and returns it re-encoded as the
// frame relayed to agents (only the known fields, so that nothing else a
// page adds reaches them). The list holds 1 to maxTabs tabs with distinct
// ids, bounded strings, and exactly one in front.
func parseTabs(p []byte) ([]byte, error) {
	var body struct {
		Tabs []tab `json:"tabs"`
	}
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return nil, fmt.Errorf(`tabs needs {"tabs":[{"id","title","url","front"}]}: %v`, err)
	}
	if len(body.Tabs) == 0 || len(body.Tabs) > maxTabs {
		return nil, fmt.Errorf("tabs needs 1 to %d tabs, got %d", maxTabs, len(body.Tabs))
	}
	seen := make(map[string]bool, len(body.Tabs))
	front := 0
	for i, t := range body.Tabs {
		if t.ID == "" || len(t.ID) > maxTabIDLen {
			return nil, fmt.Errorf("tab %d: id must be 1 to %d bytes", i, maxTabIDLen)
		}
		if seen[t.ID] {
			return nil, fmt.Errorf("tab %d: id %q is listed twice", i, t.ID)
		}
		seen[t.ID] = true
		if len(t.Title) > maxTabTitleLen {
			return nil, fmt.Errorf("tab %d: title over %d bytes", i, maxTabTitleLen)
		}
		if len(t.URL) > maxTabURLLen {
			return nil, fmt.Errorf("tab %d: url over %d bytes", i, maxTabURLLen)
		}
		if t.Front {
			front++
		}
	}
	if front != 1 {
		return nil, fmt.Errorf("tabs needs exactly one tab in front, got %d", front)
	}
	return encodeControl(protocol.KindTabs, body), nil
}

// tabs keeps the person's latest list of tabs and relays it to the agents;
// agents who join later get it when they are let in (admitLocked). Only the
// person's current channel of a live assist may send it: the list names the
// pages the person has open, which is capture, so it waits for consent.
func (c *PersonConn) tabs(p []byte) error {
	frame, err := parseTabs(p)
	if err != nil {
		return badFrame(err.Error())
	}
	l := c.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.person != c {
		if ce := c.closeErr(); ce != nil {
			return ce
		}
		return &CloseError{Code: CloseReplaced, Reason: "replaced by a newer connection"}
	}
	if l.assist.State != tandem.AssistLive {
		return &CloseError{Code: CloseForbidden, Reason: "tabs before consent"}
	}
	if bytes.Equal(frame, l.tabs) {
		return nil // nothing changed: nothing to tell
	}
	l.tabs = frame
	if l.tabsTimer != nil {
		return nil // held: the timer relays the latest list
	}
	now := c.s.cfg.Now()
	if wait := l.tabsSent.Add(tabsInterval).Sub(now); wait > 0 {
		l.tabsTimer = c.s.cfg.AfterFunc(wait, func() { c.s.relayHeldTabs(l) })
		return nil
	}
	l.tabsSent = now
	l.toAgentsLocked(frame)
	return nil
}

// relayHeldTabs sends the agents the latest list held back by
// tabsInterval.
func (s *Service) relayHeldTabs(l *live) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tabsTimer = nil
	if l.ended {
		return
	}
	l.tabsSent = s.cfg.Now()
	l.toAgentsLocked(l.tabs)
}
