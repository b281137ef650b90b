package bus

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
)

// Messages read back as they were written; the spelling of their fields is
// what nodes of different versions share.
func TestMessagesRoundTrip(t *testing.T) {
	q := QueueChange{Node: "node-abc"}
	if got := string(q.Encode()); got != `{"node":"node-abc"}` {
		t.Errorf("queue change encodes as %s", got)
	}
	if back, err := DecodeQueueChange(q.Encode()); err != nil || back != q {
		t.Errorf("queue change reads back as %+v, %v", back, err)
	}
	l := LeaseChange{Event: LeaseTaken, Session: "k3j2h", Kind: "assist", Node: "node-b", NodeURL: "http://10.0.0.2:8080", Token: 3}
	want := `{"event":"taken","session":"k3j2h","kind":"assist","node":"node-b","nodeUrl":"http://10.0.0.2:8080","token":3}`
	if got := string(l.Encode()); got != want {
		t.Errorf("lease change encodes as %s, want %s", got, want)
	}
	if back, err := DecodeLeaseChange(l.Encode()); err != nil || back != l {
		t.Errorf("lease change reads back as %+v, %v", back, err)
	}
	h := LeaseChange{Event: LeaseHandedOver, Session: "k3j2h", Node: "node-a", Token: 2}
	if got := string(h.Encode()); got != `{"event":"handed-over","session":"k3j2h","node":"node-a","token":2}` {
		t.Errorf("hand-over encodes as %s", got)
	}
	if back, err := DecodeLeaseChange(h.Encode()); err != nil || back != h {
		t.Errorf("hand-over reads back as %+v, %v", back, err)
	}
	// Fields a later version adds are ignored.
	if back, err := DecodeLeaseChange([]byte(`{"event":"released","session":"k3j2h","node":"node-b","token":4,"why":"drain"}`)); err != nil || back.Event != LeaseReleased || back.Token != 4 {
		t.Errorf("a lease change with an unknown field: %+v, %v", back, err)
	}
}

// A message that does not say what it must is refused, with an invalid
// error, rather than read as a change of nothing.
func TestBadMessagesRefused(t *testing.T) {
	for _, data := range []string{``, `[]`, `{}`, `{"node":""}`, `{"node":` + `"` + string(make([]byte, 200)) + `"}`} {
		if _, err := DecodeQueueChange([]byte(data)); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("DecodeQueueChange(%q): %v, want an invalid error", data, err)
		}
	}
	for _, data := range []string{
		``, `{}`,
		`{"event":"stolen","session":"k3j2h","node":"n"}`,
		`{"event":"taken","session":"","node":"n"}`,
		`{"event":"taken","session":"a.b","node":"n"}`,
		`{"event":"taken","session":"k3j2h","node":""}`,
	} {
		if _, err := DecodeLeaseChange([]byte(data)); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("DecodeLeaseChange(%q): %v, want an invalid error", data, err)
		}
	}
}

// A conversation event reads back as written; one that names no node,
// no valid conversation or carries nothing is refused.
func TestConversationEvent(t *testing.T) {
	e := ConversationEvent{Node: "node-a", ConversationID: "c1", Event: []byte(`{"type":"typing"}`), Except: "user:u1"}
	want := `{"node":"node-a","conversationId":"c1","event":{"type":"typing"},"except":"user:u1"}`
	if got := string(e.Encode()); got != want {
		t.Errorf("conversation event encodes as %s, want %s", got, want)
	}
	back, err := DecodeConversationEvent(e.Encode())
	if err != nil || back.Node != e.Node || back.ConversationID != "c1" || string(back.Event) != `{"type":"typing"}` || back.Except != e.Except {
		t.Errorf("conversation event reads back as %+v, %v", back, err)
	}
	if back, err := DecodeConversationEvent([]byte(`{"node":"n","conversationId":"c1","type":"message","messageId":"m1"}`)); err != nil || back.MessageID != "m1" {
		t.Errorf("a conversation event by reference: %+v, %v", back, err)
	}
	for _, data := range []string{
		``, `{}`,
		`{"node":"","conversationId":"c1","event":{}}`,
		`{"node":"n","conversationId":"a.b","event":{}}`,
		`{"node":"n","conversationId":"c1"}`,
	} {
		if _, err := DecodeConversationEvent([]byte(data)); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("DecodeConversationEvent(%q): %v, want an invalid error", data, err)
		}
	}
}

// A grant change reads back as written; one without a grant id or with an
// unknown type is refused.
func TestGrantChange(t *testing.T) {
	c := GrantChange{GrantID: "g1", Type: "ended", Reason: "revoked"}
	want := `{"grantId":"g1","type":"ended","reason":"revoked"}`
	if got := string(c.Encode()); got != want {
		t.Errorf("grant change encodes as %s, want %s", got, want)
	}
	if back, err := DecodeGrantChange(c.Encode()); err != nil || back != c {
		t.Errorf("grant change reads back as %+v, %v", back, err)
	}
	for _, data := range []string{
		``, `{}`, `[1]`,
		`{"grantId":"","type":"ended"}`,
		`{"grantId":"a.b","type":"ended"}`,
		`{"grantId":"g1","type":"gone"}`,
		`{"grantId":"g1"}`,
	} {
		if _, err := DecodeGrantChange([]byte(data)); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("DecodeGrantChange(%q): %v, want an invalid error", data, err)
		}
	}
}

// A site change reads back as written; one without a node or a valid site
// id is refused.
func TestSiteChange(t *testing.T) {
	c := SiteChange{Node: "node-a", Site: "site_1"}
	if got := string(c.Encode()); got != `{"node":"node-a","site":"site_1"}` {
		t.Errorf("site change encodes as %s", got)
	}
	if back, err := DecodeSiteChange(c.Encode()); err != nil || back != c {
		t.Errorf("site change reads back as %+v, %v", back, err)
	}
	if back, err := DecodeSiteChange([]byte(`{"node":"n","site":"s1","what":"mapping"}`)); err != nil || back.Site != "s1" {
		t.Errorf("a site change with an unknown field: %+v, %v", back, err)
	}
	for _, data := range []string{
		``, `{}`, `[1]`, `"site"`,
		`{"node":"","site":"s1"}`,
		`{"node":"n"}`,
		`{"node":"n","site":""}`,
		`{"node":"n","site":"a.b"}`,
		`{"node":"n","site":"*"}`,
		`{"node":"` + strings.Repeat("n", 200) + `","site":"s1"}`,
		`{"node":"n","site":"` + strings.Repeat("s", 65) + `"}`,
	} {
		if _, err := DecodeSiteChange([]byte(data)); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("DecodeSiteChange(%q): %v, want an invalid error", data, err)
		}
	}
}
