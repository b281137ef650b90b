package assist

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/protocol"
)

// operateLocked relays an operation from the agent holding control.
func (s *Service) operateLocked(ctx context.Context, l *live, c *AgentConn, body []byte) error {
	var op struct {
		Op   string `json:"op"`
		Node int    `json:"node"`
		URL  string `json:"url"`
		Text string `json:"text"`
	}
	if json.Unmarshal(body, &op) != nil {
		return badFrame("op must be a JSON object")
	}
	actor := "agent:" + c.user.ID
	if l.control.holder != c {
		c.send(refusal("op", tandem.EForbidden, "you do not hold control of this page"))
		s.audit(ctx, l.assist.ID, actor, "op.refused", op.Op)
		return nil
	}
	switch op.Op {
	case "click", "dblclick", "type", "key", "scroll", "back", "forward", "reload":
	case "navigate":
		u, err := url.Parse(op.URL)
		if err != nil || !l.site.AllowsOrigin(u.Scheme+"://"+u.Host) || l.site.AllowsOrigin("*") && u.Host == "" {
			c.send(refusal("op", tandem.EInvalid, "you can only go to pages of this site"))
			return nil
		}
	default:
		c.send(refusal("op", tandem.EInvalid, "unknown operation %q", op.Op))
		return nil
	}
	detail := op.Op
	if op.Node != 0 {
		detail += fmt.Sprintf(" node %d", op.Node)
	}
	if op.URL != "" {
		detail += " " + op.URL
	}
	if op.Op == "type" {
		detail += fmt.Sprintf(" (%d characters)", len([]rune(op.Text)))
	}
	s.audit(ctx, l.assist.ID, actor, "op."+op.Op, detail)
	l.toPersonLocked(encodeWith(headerFor("op"), withFrom(body, c.id, c.user.Name)))
	return nil
}

// controlStateLocked tells everyone who holds control.
func (s *Service) controlStateLocked(l *live) {
	frame := l.controlStateFrame()
	l.toPersonLocked(frame)
	l.toAgentsLocked(frame)
}

// controlStateFrame is the control.state frame: who holds control, or a
// null holder. l.mu is held.
func (l *live) controlStateFrame() []byte {
	st := map[string]any{"holder": nil}
	if h := l.control.holder; h != nil {
		st["holder"] = map[string]string{"id": h.id, "name": h.user.Name}
	}
	return encodeControl(protocol.KindControlState, st)
}
