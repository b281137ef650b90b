package assist

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/record"
)

// nextAck waits for the next ack frame the person's channel sends.
func nextAck(t *testing.T, h *harness, p *PersonConn, woke <-chan struct{}) hub.Header {
	t.Helper()
	for {
		hs, ce := drain(p)
		for _, hd := range hs {
			if hd.Kind == "ack" {
				return hd
			}
		}
		if ce != nil {
			t.Fatalf("channel closed: %v", ce)
		}
		select {
		case <-woke:
		case <-h.ctx.Done():
			t.Fatal("no ack came")
		}
	}
}

// Acks say both what the server accepted and what is stored; every frame
// up to "stored" is in the recording on disk already.
func TestAcksSayWhatIsStored(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	p, id := h.live()
	woke := make(chan struct{}, 1)
	p.Start(func() {
		select {
		case woke <- struct{}{}:
		default:
		}
	})
	for seq := uint64(1); seq <= 3; seq++ {
		if err := p.Handle(h.ctx, evFrame(seq)); err != nil {
			t.Fatal(err)
		}
	}
	if a := nextAck(t, h, p, woke); a.Ack != 3 || a.Stored != 0 {
		t.Fatalf("first ack = %+v, want ack 3, nothing stored yet", a)
	}
	// More than a chunk: the recording stores one, and the acks say so.
	pad := strings.Repeat("x", 1000)
	seq := uint64(4)
	for ; seq <= 300; seq++ {
		f := hub.EncodeFrame(hub.Header{Kind: "ev", Seq: seq, Page: "p1"}, fmt.Appendf(nil, `[{"type":3,"data":{"pad":%q},"timestamp":1}]`, pad))
		if err := p.Handle(h.ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	var a hub.Header
	for a.Stored == 0 {
		a = nextAck(t, h, p, woke)
	}
	if a.Stored > a.Ack || a.Stored < 200 {
		t.Fatalf("ack = %+v, want most of the 300 frames stored", a)
	}
	r, err := record.Open(h.ctx, h.blobs, id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var last uint64
	err = record.ReadFrames(r, func(_ time.Time, frame []byte) error {
		hd, err := hub.ParseHeader(frame)
		last = hd.Seq
		return err
	})
	if err != nil || last < a.Stored {
		t.Fatalf("the recording on disk ends at frame %d (%v); the ack said %d is stored", last, err, a.Stored)
	}
}
