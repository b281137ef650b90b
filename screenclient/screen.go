package screenclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// Sender writes one data frame of the person's channel (docs/protocol.md):
// its kind (meta, snap, ev), page id, snapshot hash and payload.
type Sender interface {
	SendData(ctx context.Context, kind, page, hash string, payload []byte) (uint64, error)
}

// Screen is an app's described screen on a live assist's channel: it sends
// a new screen as meta and snap frames and changes and touches as ev
// frames, each converted (and masked) before it is sent. It is not safe
// for concurrent use.
type Screen struct {
	conv *Converter
	send Sender
	base string // the app's address, e.g. app://com.example.shop/
	url  string
	page string
	vp   Viewport
	now  func() time.Time
}

// NewScreen returns a Screen sending through s, converting by the site's
// mapping (the welcome's site.screenMapping). base is the app's address:
// a screen named NAME is the page base?screen=NAME. now is time.Now when
// nil.
func NewScreen(s Sender, mapping json.RawMessage, base string, now func() time.Time) (*Screen, error) {
	conv, err := NewConverter(mapping)
	if err != nil {
		return nil, err
	}
	if _, err := url.Parse(base); err != nil {
		return nil, fmt.Errorf("the app's address: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &Screen{conv: conv, send: s, base: base, now: now}, nil
}

// screenURL is the page address of the screen named name.
func (s *Screen) screenURL(name string) string {
	u, _ := url.Parse(s.base)
	u.Fragment = ""
	if name != "" {
		q := u.Query()
		q.Set("screen", name)
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// pageID names a page by its address, as the SDK's pageIdFor does: one
// page per screen name.
func pageID(u string) string {
	h := sha256.Sum256([]byte(u))
	return "p" + hex.EncodeToString(h[:8])
}

type event struct {
	Type      int   `json:"type"`
	Data      any   `json:"data"`
	Timestamp int64 `json:"timestamp"`
}

// SetScreen sends a whole screen named page. A screen with a new name is a
// new page: a route event goes before its snapshot, so that the agent's
// page list and history get an entry. A bad tree is an error naming the
// problem, nothing is sent, and the agent keeps the previous screen.
func (s *Screen) SetScreen(ctx context.Context, tree *Node, page string) error {
	vp := Viewport{Width: 1, Height: 1}
	if tree != nil {
		vp = Viewport{Width: dim(tree.Bounds.W), Height: dim(tree.Bounds.H)}
	}
	snap, err := s.conv.Full(tree, vp)
	if err != nil {
		return err
	}
	next := s.screenURL(page)
	at := s.now().UnixMilli()
	if s.url != "" && next != s.url {
		if err := s.sendEvents(ctx, event{5, map[string]any{"tag": "route", "payload": map[string]any{"url": next, "title": page}}, at}); err != nil {
			return err
		}
	}
	s.url, s.page, s.vp = next, pageID(next), vp
	meta, err := json.Marshal(map[string]any{"url": s.url, "title": page, "pageId": s.page,
		"viewport": map[string]any{"width": vp.Width, "height": vp.Height, "dpr": 1}})
	if err != nil {
		return err
	}
	if _, err := s.send.SendData(ctx, "meta", s.page, "", meta); err != nil {
		return fmt.Errorf("send the screen's meta: %w", err)
	}
	body, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	h := sha256.Sum256(body)
	payload, err := json.Marshal([]event{
		{4, map[string]any{"href": s.url, "width": vp.Width, "height": vp.Height}, at},
		{2, json.RawMessage(body), at},
	})
	if err != nil {
		return err
	}
	if _, err := s.send.SendData(ctx, "snap", s.page, hex.EncodeToString(h[:12]), payload); err != nil {
		return fmt.Errorf("send the screen: %w", err)
	}
	return nil
}

// dim is a screen side in whole pixels, as the SDK's viewport.
func dim(v float64) int {
	if v <= 0 {
		return 1
	}
	return int(min(v+0.999999, 100000))
}

// Update sends changes as one mutation. A bad change is an error naming
// it, and nothing of the update is sent or kept.
func (s *Screen) Update(ctx context.Context, changes []Change) error {
	if s.page == "" {
		return invalid("changes: no screen set")
	}
	m, err := s.conv.Apply(changes)
	if err != nil {
		return err
	}
	if m.Empty() {
		return nil
	}
	return s.sendEvents(ctx, event{3, m, s.now().UnixMilli()})
}

// Touch sends a tap or click at screen point (x, y): a pointer move there
// and a click on the innermost element that holds the point, which the
// agent's view marks.
func (s *Screen) Touch(ctx context.Context, x, y float64) error {
	if s.page == "" {
		return invalid("touch: no screen set")
	}
	id, at := s.conv.Hit(x, y), s.now().UnixMilli()
	return s.sendEvents(ctx,
		event{3, map[string]any{"source": 1, "positions": []map[string]any{{"x": x, "y": y, "id": id, "timeOffset": 0}}}, at},
		event{3, map[string]any{"source": 2, "type": 2, "id": id, "x": x, "y": y}, at})
}

func (s *Screen) sendEvents(ctx context.Context, evs ...event) error {
	b, err := json.Marshal(evs)
	if err != nil {
		return err
	}
	if _, err := s.send.SendData(ctx, "ev", s.page, "", b); err != nil {
		return fmt.Errorf("send the screen's events: %w", err)
	}
	return nil
}
