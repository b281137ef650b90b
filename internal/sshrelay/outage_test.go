package sshrelay_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/record/recordtest"
	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
)

// Blob storage that fails, or stops answering, mid-session costs the
// session nothing: the host's flood of output reaches the helper whole
// while the bucket is still down (the recording waits in the local spool,
// not in memory, whose backlog here is smaller than the flood), the end
// does not wait for the bucket, and once it answers again the recording
// holds every byte.
func TestStorageOutageMidSession(t *testing.T) {
	for _, mode := range []string{"fail", "hang"} {
		t.Run(mode, func(t *testing.T) {
			var outage *recordtest.Outage
			var spool *record.Spool
			e := newEnv(t, func(c *sshrelay.Config) {
				outage = recordtest.NewOutage(c.Blobs)
				var err error
				spool, err = record.OpenSpool(filepath.Join(t.TempDir(), "spool"), outage, record.SpoolOptions{
					RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond, PutTimeout: 200 * time.Millisecond,
				})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(spool.Close) // after the relay's Close
				c.Blobs, c.Spool = outage, spool
				// A quarter of the flood: without the spool, the host's
				// output would wait for the bucket.
				c.RecordingBacklog = 1 << 20
				c.LivenessInterval = 10 * time.Second // not under test; the flood keeps 2 cores busy
			})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			alice := e.key("alice")
			h := e.share(func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized} })
			a := e.joinRaw(e.port, h.ID, alice, 80, 24)
			h.out.waitFor(t, "alice joined", wait)
			a.waitFor(t, "$", wait)

			if mode == "fail" {
				outage.Fail()
			} else {
				outage.Hang()
			}
			path, want := numberedFile(t, e.dir, 4<<20)
			h.stdin.Write([]byte("echo START-$((1+1)); cat " + path + "; echo END-$((1+1))\r"))
			out := a.waitFor(t, "END-2", time.Minute)
			sameBytes(t, "the helper", between(t, out, "START-2\r\n", "END-2"), want)
			if err := outage.WaitRefused(ctx, 1); err != nil {
				t.Fatalf("the bucket was not tried during the outage: %v", err)
			}

			// The host leaves; the session ends with the bucket still down.
			h.stdin.Write([]byte("exit\r"))
			if err := h.Wait(); err != nil {
				t.Fatal(err)
			}
			// The host may be gone before the relay has stored the end: the
			// end waits for the recording to reach the spool (a hanging
			// bucket takes its put timeout first).
			deadline := time.Now().Add(45 * time.Second)
			var tm *store.Terminal
			for {
				var err error
				tm, err = e.db.TerminalByID(ctx, h.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !tm.EndedAt.IsZero() {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the session is not stored as ended")
				}
				time.Sleep(50 * time.Millisecond)
			}
			if n, _ := spool.Pending(); n == 0 {
				t.Fatal("nothing waits in the spool during the outage")
			}

			outage.Recover()
			if err := spool.Drained(ctx); err != nil {
				t.Fatal(err)
			}
			rc, err := record.Open(ctx, e.blobs, tm.RecordingID)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			var shown bytes.Buffer
			if err := sshrelay.CastOutput(rc, &shown); err != nil {
				t.Fatalf("reading the recording: %v", err)
			}
			sameBytes(t, "the recording", between(t, shown.Bytes(), "START-2\r\n", "END-2"), want)
		})
	}
}
