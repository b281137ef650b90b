package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/record/recordtest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// Blob storage that fails, or stops answering, mid-assist costs the live
// assist nothing: frames keep reaching the agent, acks keep saying they
// are stored (the local spool holds them), the end does not wait for the
// bucket, and once it answers again the recording holds every frame.
func TestStorageOutageMidAssist(t *testing.T) {
	for _, mode := range []string{"fail", "hang"} {
		t.Run(mode, func(t *testing.T) {
			var outage *recordtest.Outage
			ctx, ts, agent, p := startLive(t, app.Config{WrapBlobs: func(bs blobs.Store) blobs.Store {
				outage = recordtest.NewOutage(bs)
				return outage
			}})
			watch := mustWatch(t, ctx, agent, p.AssistID, 0)
			pad := strings.Repeat("x", 1000)
			send := func(n int) (last uint64, took time.Duration) {
				start := time.Now()
				// In batches the agent's queue holds (ReaderQueue).
				for sent := 0; sent < n; sent += 100 {
					for range min(100, n-sent) {
						var err error
						if last, err = p.SendData(ctx, "ev", "a", "", fmt.Appendf(nil, `[{"type":3,"data":{"pad":%q},"timestamp":1}]`, pad)); err != nil {
							t.Fatal(err)
						}
					}
					for got := uint64(0); got < last; {
						seqs, _ := readData(t, ctx, watch, 1) // a sync frame first
						got = seqs[0]
					}
				}
				return last, time.Since(start)
			}
			_, before := send(300)

			if mode == "fail" {
				outage.Fail()
			} else {
				outage.Hang()
			}
			// More than a chunk (256 KiB), so that the store is tried
			// during the outage while frames keep coming.
			last, during := send(600)
			t.Logf("300 frames relayed in %v before the outage, 600 in %v during it", before, during)
			if during > 2*5*before+time.Second {
				t.Errorf("relaying slowed down during the outage: 600 frames took %v, 300 before it %v", during, before)
			}
			if err := outage.WaitRefused(ctx, 1); err != nil {
				t.Fatalf("the store was not tried during the outage: %v", err)
			}
			// Every frame is acknowledged as stored, the bucket still down.
			for stored := uint64(0); stored < last; {
				h, _, err := simclient.ReadUntil(ctx, p.WS, "ack")
				if err != nil {
					t.Fatalf("waiting for frame %d to be stored (stored %d): %v", last, stored, err)
				}
				stored = max(stored, h.Stored)
			}
			if err := agent.Do(ctx, "POST", "/api/v1/assists/"+p.AssistID+"/end", nil, nil); err != nil {
				t.Fatalf("end during the outage: %v", err)
			}
			if n, _ := ts.RecordingSpool().Pending(); n == 0 {
				t.Fatal("nothing waits in the spool during the outage")
			}

			outage.Recover()
			if err := ts.RecordingSpool().Drained(ctx); err != nil {
				t.Fatal(err)
			}
			frames := recording(t, ctx, agent, p.AssistID)
			if uint64(len(frames)) != last {
				t.Fatalf("the recording has %d frames, want %d", len(frames), last)
			}
			for i, f := range frames {
				if f.S != uint64(i+1) {
					t.Fatalf("recorded frame %d has seq %d", i, f.S)
				}
			}
		})
	}
}
