package hub_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/record"
)

// A record.Writer is a hub's sink as it is: every accepted data frame is
// recorded once, in order, with its receive time; duplicates and control
// frames are not.
func TestRecordSink(t *testing.T) {
	store, err := dirblobs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := record.NewWriter(store, "assist-1", record.WriterOptions{ChunkBytes: 256})
	now := time.UnixMilli(1_700_000_000_000)
	h := hub.New(hub.Options{Sink: w, Now: func() time.Time { now = now.Add(time.Second); return now }})

	var want [][]byte
	publish := func(hd hub.Header, payload string) {
		t.Helper()
		frame := hub.EncodeFrame(hd, []byte(payload))
		dup, err := h.Publish(frame)
		if err != nil {
			t.Fatal(err)
		}
		if !dup {
			want = append(want, frame)
		}
	}
	publish(hub.Header{Kind: hub.KindMeta, Seq: 1, Page: "p"}, `{"url":"https://shop.example/"}`)
	publish(hub.Header{Kind: hub.KindSnap, Seq: 2, Page: "p", Hash: "h"}, `[{"type":4},{"type":2}]`)
	for i := uint64(3); i < 60; i++ {
		publish(hub.Header{Kind: hub.KindEv, Seq: i, Page: "p"}, fmt.Sprintf(`[{"type":3,"i":%d}]`, i))
	}
	publish(hub.Header{Kind: hub.KindEv, Seq: 59, Page: "p"}, `[]`) // resent: dropped
	h.Broadcast(hub.EncodeFrame(hub.Header{Kind: "presence"}, []byte(`{}`)))
	h.Close(nil)
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	rc, err := record.Open(t.Context(), store, "assist-1")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	i := 0
	err = record.ReadFrames(rc, func(at time.Time, frame []byte) error {
		if i >= len(want) || string(frame) != string(want[i]) {
			return fmt.Errorf("recorded frame %d = %.40q", i, frame)
		}
		if wantAt := int64(1_700_000_000_000 + 1000*(i+1)); at.UnixMilli() != wantAt {
			return fmt.Errorf("frame %d recorded at %d, want %d", i, at.UnixMilli(), wantAt)
		}
		i++
		return nil
	})
	if err != nil || i != len(want) {
		t.Fatalf("recording holds %d of %d frames: %v", i, len(want), err)
	}
}
