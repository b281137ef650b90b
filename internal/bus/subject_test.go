package bus

import (
	"testing"

	"github.com/tandemhq/tandem"
)

// The subjects' spelling is what nodes of different versions share on NATS.
func TestSubjectSpelling(t *testing.T) {
	c, err := Control("k3j2h")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		s      Subject
		want   string
		kind   Kind
		id     string
		wantOK bool
	}{
		{Queues(), "queue", KindQueue, "", true},
		{c, "control.k3j2h", KindControl, "k3j2h", true},
		{Leases(), "lease", KindLease, "", true},
		{Conversations(), "conversation", KindConversation, "", true},
		{Subject{kind: KindConversation, id: "c1"}, "invalid", KindConversation, "c1", false},
		{Passport(), "passport", KindPassport, "", true},
		{Subject{kind: KindPassport, id: "g1"}, "invalid", KindPassport, "g1", false},
		{Sites(), "site", KindSite, "", true},
		{Subject{kind: KindSite, id: "s1"}, "invalid", KindSite, "s1", false},
		{Subject{}, "invalid", 0, "", false},
		{Subject{kind: KindLease, id: "x"}, "invalid", KindLease, "x", false},
		{Subject{kind: KindQueue, id: "site_abc"}, "invalid", KindQueue, "site_abc", false},
		{Subject{kind: KindControl, id: "a.b"}, "invalid", KindControl, "a.b", false},
		{Subject{kind: 9, id: "a"}, "invalid", 9, "a", false},
	} {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if tt.s.Kind() != tt.kind || tt.s.ID() != tt.id {
			t.Errorf("%q: Kind, ID = %v, %q", tt.want, tt.s.Kind(), tt.s.ID())
		}
		if err := tt.s.Valid(); (err == nil) != tt.wantOK || (err != nil && tandem.ErrorCode(err) != tandem.EInvalid) {
			t.Errorf("%q: Valid() = %v", tt.want, err)
		}
	}
	// A subject is comparable: equal ids make equal subjects.
	c2, _ := Control("k3j2h")
	if c != c2 || c == (Subject{kind: KindQueue, id: "k3j2h"}) || Queues() != (Subject{kind: KindQueue}) {
		t.Error("subjects do not compare by kind and id")
	}
}

func TestBufferSize(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{0, DefaultBuffer}, {1, 1}, {MaxBuffer, MaxBuffer}} {
		if got, err := BufferSize(tt.in); err != nil || got != tt.want {
			t.Errorf("BufferSize(%d) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, n := range []int{-1, MaxBuffer + 1} {
		if _, err := BufferSize(n); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("BufferSize(%d): %v, want an invalid error", n, err)
		}
	}
}
