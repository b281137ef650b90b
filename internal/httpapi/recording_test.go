package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/blobs/blobstest"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/simclient"
)

// endedWithRecording starts a server whose blob store is held, makes an
// assist live, has the person send n frames of about size bytes each and
// ends it; it returns the assist's id.
func endedWithRecording(t *testing.T, n, size int) (context.Context, *apptest.TestServer, *simclient.Agent, *blobstest.HeldStore, string) {
	t.Helper()
	held := &blobstest.HeldStore{}
	ctx, ts, agent, p := startLive(t, app.Config{WrapBlobs: func(bs blobs.Store) blobs.Store {
		held.Store = bs
		return held
	}})
	pad := strings.Repeat("x", size)
	var last uint64
	for range n {
		var err error
		if last, err = p.SendData(ctx, "ev", "a", "", fmt.Appendf(nil, `[{"type":3,"data":{"pad":%q},"timestamp":1}]`, pad)); err != nil {
			t.Fatal(err)
		}
	}
	for acked := uint64(0); acked < last; {
		h, _, err := simclient.ReadUntil(ctx, p.WS, "ack")
		if err != nil {
			t.Fatal(err)
		}
		acked = h.Ack
	}
	if err := agent.Do(ctx, "POST", "/api/v1/assists/"+p.AssistID+"/end", nil, nil); err != nil {
		t.Fatal(err)
	}
	return ctx, ts, agent, held, p.AssistID
}

// getRecording starts GET …/recording with accept as the Accept header,
// outside the checking transport (which reads answers whole).
func getRecording(t *testing.T, ctx context.Context, agent *simclient.Agent, id, accept string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", agent.Base+"/api/v1/assists/"+id+"/recording", nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := (&http.Client{Jar: agent.Client.Jar}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 {
		t.Fatalf("GET recording: %s", res.Status)
	}
	return res
}

// The replay streams: its first frames arrive while the server still
// waits for the recording's last chunk, in either form of the answer.
func TestRecordingFirstBytesBeforeLastChunk(t *testing.T) {
	ctx, _, agent, held, id := endedWithRecording(t, 700, 1000) // 3 chunks
	keys, err := held.List(ctx, "recordings/"+id+"/")
	if err != nil || len(keys) < 3 {
		t.Fatalf("chunks %v, %v: want at least 3", keys, err)
	}
	for _, accept := range []string{"", "application/x-ndjson"} {
		t.Run("accept="+accept, func(t *testing.T) {
			waiting := held.Hold(keys[len(keys)-1])
			res := getRecording(t, ctx, agent, id, accept)
			br := bufio.NewReader(res.Body)
			// The answer up to the first frame comes while the last chunk
			// is held back (the test's ctx bounds the wait).
			head, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the first line: %v", err)
			}
			if !strings.HasPrefix(head, `{"assist":{"id":"`+id+`"`) {
				t.Fatalf("the answer starts %.80q", head)
			}
			first := ""
			if accept != "" { // NDJSON: the frames follow the assist's line
				if first, err = br.ReadString('\n'); err != nil {
					t.Fatal(err)
				}
			}
			if !strings.Contains(head+first, `{"s":1,"k":"ev"`) {
				t.Fatalf("the first frame is not in %.200q", head+first)
			}
			<-waiting // the server did get as far as the last chunk
			held.Release()
			rest, err := io.ReadAll(br)
			if err != nil {
				t.Fatal(err)
			}
			all := head + first + string(rest)
			if accept == "" {
				var rec struct {
					Assist struct{ ID string }
					Frames []struct{ S uint64 }
				}
				if err := json.Unmarshal([]byte(all), &rec); err != nil {
					t.Fatalf("the answer is not one JSON document: %v", err)
				}
				if rec.Assist.ID != id || len(rec.Frames) != 700 || rec.Frames[699].S != 700 {
					t.Fatalf("the answer has assist %q and %d frames", rec.Assist.ID, len(rec.Frames))
				}
				return
			}
			lines := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
			if len(lines) != 702 || lines[len(lines)-1] != `{"end":{"frames":700}}` {
				t.Fatalf("the answer has %d lines, the last %.80q", len(lines), lines[len(lines)-1])
			}
			for i, l := range lines[1:701] {
				var f struct{ S uint64 }
				if err := json.Unmarshal([]byte(l), &f); err != nil || f.S != uint64(i+1) {
					t.Fatalf("line %d is %.80q: %v", i+1, l, err)
				}
			}
		})
	}
}

// A long recording is served with the memory of a chunk or so, not of
// the recording: the heap grows far less than the answer's size while it
// is read.
func TestRecordingServedInBoundedMemory(t *testing.T) {
	_, _, agent, held, id := endedWithRecording(t, 1, 10)
	// Writing and reading 32 MiB under the race detector on a busy machine
	// takes far longer than the live part's deadline: this test is about
	// memory, so it gives time its own generous bound.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	// Append a long recording (32 MiB of frames) to the assist's.
	w := record.NewWriter(held.Store, id, record.WriterOptions{})
	pad := strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 110)
	const frames = 8 << 10
	var size int64
	for i := range frames {
		frame := fmt.Appendf(nil, `{"k":"ev","s":%d,"p":"a"}`+"\n"+`[{"type":3,"data":{"pad":%q,"n":%d},"timestamp":1}]`, i+2, pad, i)
		size += int64(len(frame))
		if err := w.WriteFrame(time.Now(), frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	w = nil

	// A low GC target, so that the heap in use shows what is live.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	res := getRecording(t, ctx, agent, id, "")
	buf := make([]byte, 64<<10)
	var read, sampled int64
	for {
		n, err := res.Body.Read(buf)
		read += int64(n)
		if read-sampled >= 1<<20 {
			sampled = read
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", read, err)
		}
	}
	growth := int64(peak) - int64(base)
	t.Logf("answer of %d MiB (%d MiB of frames); heap grew by at most %.1f MiB (from %.1f MiB) while it was read", read>>20, size>>20, float64(growth)/(1<<20), float64(base)/(1<<20))
	if read < size {
		t.Fatalf("the answer has %d bytes, the frames alone %d", read, size)
	}
	if growth > size/8 {
		t.Fatalf("the heap grew by %d bytes serving a recording of %d: it is held whole", growth, size)
	}
}

// A recording that turns out corrupt after the answer began ends it in a
// way no client takes for a whole recording: NDJSON with an error line
// instead of the end line, JSON without its closing brackets.
func TestRecordingCorruptAfterFirstChunk(t *testing.T) {
	ctx, _, agent, held, id := endedWithRecording(t, 700, 1000)
	keys, err := held.List(ctx, "recordings/"+id+"/")
	if err != nil || len(keys) < 2 {
		t.Fatalf("chunks %v, %v", keys, err)
	}
	if err := held.Put(ctx, keys[len(keys)-1], strings.NewReader("not gzip at all")); err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(getRecording(t, ctx, agent, id, "application/x-ndjson").Body)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if last := lines[len(lines)-1]; len(lines) < 3 || !strings.HasPrefix(last, `{"error":{"code":"internal"`) {
		t.Fatalf("%d lines, the last %.80q: want frames, then an error line", len(lines), last)
	}
	body, err = io.ReadAll(getRecording(t, ctx, agent, id, "").Body)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if json.Unmarshal(body, &v) == nil {
		t.Fatal("a cut JSON answer parses as a whole one")
	}
}
