package clustertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// personChannel watches, through the browser's DevTools protocol, the
// frames of the person's channel: what the SDK sent and what the server
// acknowledged as stored. The SDK is not changed for the test: this is
// what went over the wire.
type personChannel struct {
	mu       sync.Mutex
	sockets  map[network.RequestID]bool // the person channel's WebSockets
	sent     map[int64]string           // data frame by sequence number, as last sent
	acked    map[int64]string           // frames the server said were stored, as they were sent
	stored   int64                      // the highest "stored" received
	welcomes int                        // welcome frames: one per (re)connection
	acks     []int64                    // each welcome's "ack": what the server held then
	ended    []string                   // ended frames received (the assist ended)
	changed  chan struct{}              // closed and replaced on every change
}

// frameHeader is the JSON header of a frame (docs/protocol.md).
type frameHeader struct {
	K      string `json:"k"`
	S      int64  `json:"s"`
	Ack    *int64 `json:"ack"`
	Stored *int64 `json:"stored"`
}

// watchPersonChannel starts watching the person's tab; call it before the
// page opens its channel.
func watchPersonChannel(t testing.TB, ctx context.Context) *personChannel {
	t.Helper()
	pc := &personChannel{sockets: map[network.RequestID]bool{}, sent: map[int64]string{}, acked: map[int64]string{}, changed: make(chan struct{})}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventWebSocketCreated:
			if strings.Contains(ev.URL, "/api/v1/public/assists/") && strings.Contains(ev.URL, "/ws") {
				pc.mu.Lock()
				pc.sockets[ev.RequestID] = true
				pc.mu.Unlock()
			}
		case *network.EventWebSocketFrameSent:
			pc.frame(ev.RequestID, ev.Response.PayloadData, true)
		case *network.EventWebSocketFrameReceived:
			pc.frame(ev.RequestID, ev.Response.PayloadData, false)
		}
	})
	browsertest.Run(t, ctx, "watch the network", network.Enable())
	return pc
}

func (pc *personChannel) frame(id network.RequestID, data string, sent bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if !pc.sockets[id] {
		return
	}
	head, payload, _ := strings.Cut(data, "\n")
	var h frameHeader
	if json.Unmarshal([]byte(head), &h) != nil {
		return
	}
	switch {
	case sent && h.S > 0:
		pc.sent[h.S] = payload
	case !sent && (h.K == "ack" || h.K == "welcome"):
		if h.K == "welcome" {
			pc.welcomes++
			ack := int64(0) // an absent ack is 0 (omitted when empty)
			if h.Ack != nil {
				ack = *h.Ack
			}
			pc.acks = append(pc.acks, ack)
		}
		// As the SDK reads it (web/sdk/channel.ts, storedOf): an absent
		// stored means everything acknowledged is stored.
		stored := int64(0)
		if h.Stored != nil {
			stored = *h.Stored
		} else if h.Ack != nil {
			stored = *h.Ack
		}
		// Once stored, a frame is never sent again nor renumbered: what
		// was last sent under its number is what the server stored.
		for s := pc.stored + 1; s <= stored; s++ {
			if p, ok := pc.sent[s]; ok {
				pc.acked[s] = p
			}
		}
		pc.stored = max(pc.stored, stored)
	case !sent && h.K == "ended":
		pc.ended = append(pc.ended, payload)
	default:
		return
	}
	close(pc.changed)
	pc.changed = make(chan struct{})
}

// snapshot returns the frames acknowledged as stored so far, the highest
// stored number and the number of welcomes.
func (pc *personChannel) snapshot() (acked map[int64]string, stored int64, welcomes int, ended []string) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	acked = make(map[int64]string, len(pc.acked))
	for s, p := range pc.acked {
		acked[s] = p
	}
	return acked, pc.stored, pc.welcomes, append([]string(nil), pc.ended...)
}

// welcomeAck is the ack of welcome number i (from 0), which must have come.
func (pc *personChannel) welcomeAck(i int) int64 {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.acks[i]
}

// channelState is what waitUntil's condition sees.
type channelState struct {
	welcomes int     // welcome frames received: one per (re)connection
	acks     []int64 // each welcome's ack
	stored   int64   // the highest stored received
	ended    int     // ended frames received
}

// waitUntil waits until cond holds (checked on every frame), or the
// deadline passes.
func (pc *personChannel) waitUntil(deadline time.Time, cond func(channelState) bool) error {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	for {
		pc.mu.Lock()
		st := channelState{welcomes: pc.welcomes, acks: append([]int64(nil), pc.acks...), stored: pc.stored, ended: len(pc.ended)}
		changed := pc.changed
		pc.mu.Unlock()
		if cond(st) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("the person's channel: stored %d, %d welcomes with acks %v, %d ended frames",
				st.stored, st.welcomes, st.acks, st.ended)
		}
	}
}

// recordedFrame is one frame of GET /api/v1/assists/{id}/recording.
type recordedFrame struct {
	S int64           `json:"s"`
	K string          `json:"k"`
	D json.RawMessage `json:"d"`
}

// missingFrames compares a recording with the frames the person was told
// were stored: every one must be there, with the same payload (as JSON
// values: the API re-encodes the bytes it stored).
func missingFrames(acked map[int64]string, rec []recordedFrame) []string {
	byS := make(map[int64]json.RawMessage, len(rec))
	for _, f := range rec {
		if f.S > 0 {
			byS[f.S] = f.D
		}
	}
	var problems []string
	for s, sent := range acked {
		got, ok := byS[s]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("frame %d is missing", s))
		case !sameJSON(sent, got):
			problems = append(problems, fmt.Sprintf("frame %d differs: sent %.200s, recorded %.200s", s, sent, got))
		}
	}
	sort.Strings(problems)
	return problems
}

func sameJSON(sent string, recorded json.RawMessage) bool {
	if strings.TrimSpace(sent) == "" {
		r := strings.TrimSpace(string(recorded))
		return r == "" || r == "null"
	}
	var a, b any
	da, db := json.NewDecoder(strings.NewReader(sent)), json.NewDecoder(bytes.NewReader(recorded))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&a) != nil || db.Decode(&b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}
