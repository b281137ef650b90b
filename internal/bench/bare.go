package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/protocol"
	"github.com/tandemhq/tandem/internal/simclient"
)

// BareRelay is the baseline of the measurements: a WebSocket relay with no
// hub logic. Frames read from a writer's connection (/write?room=R) are
// queued, unchanged, for every reader connection of the same room
// (/read?room=R; the room may be left out); each reader has
// a bounded queue and a goroutine writing to its socket with a write
// timeout per frame, cut off when the queue is full. (Tandem's channels
// bound their writes the same way, with one reused watchdog timer per
// channel and a writer goroutine only while there is something to send.)
// It has no sequence numbers, retention, recording, acks or access checks.
type BareRelay struct {
	ln  net.Listener
	srv *http.Server

	mu    sync.Mutex
	rooms map[string]map[*bareReader]struct{} // by the room query parameter
}

type bareReader struct {
	ch   chan []byte
	done chan struct{}
	once sync.Once
}

func (r *bareReader) cut() { r.once.Do(func() { close(r.done) }) }

// Same bounds as Tandem's defaults (assist.Config ReaderQueue and the
// channels' write timeout).
const (
	bareQueue        = 1024
	bareWriteTimeout = 10 * time.Second
)

// StartBareRelay starts a relay on 127.0.0.1. Close it when done.
func StartBareRelay() (*BareRelay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	b := &BareRelay{ln: ln, rooms: make(map[string]map[*bareReader]struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /read", b.handleRead)
	mux.HandleFunc("GET /write", b.handleWrite)
	b.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}

// URL is the relay's ws:// base URL.
func (b *BareRelay) URL() string { return "ws://" + b.ln.Addr().String() }

// Close stops the relay and closes its connections.
func (b *BareRelay) Close() error {
	b.mu.Lock()
	for _, room := range b.rooms {
		for r := range room {
			r.cut()
		}
	}
	b.mu.Unlock()
	err := b.srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// dial connects a client to path (with its query) on the relay.
func (b *BareRelay) dial(ctx context.Context, path string) (*websocket.Conn, error) {
	ws, _, err := websocket.Dial(ctx, b.URL()+path, &websocket.DialOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, fmt.Errorf("dial bare relay %s: %w", path, err)
	}
	ws.SetReadLimit(64 << 20)
	return ws, nil
}

// bareFrame is the frame a bare relay's writer sends: the same as the
// person's, built the same way.
func bareFrame(seq uint64, payload []byte) []byte {
	return simclient.Frame(simclient.Header{Kind: "ev", Seq: seq, Page: "page-1"}, payload)
}

func accept(w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	return websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
}

// handleRead registers a reader, tells it so with a "sync" frame, and
// writes its queue to it.
func (b *BareRelay) handleRead(w http.ResponseWriter, r *http.Request) {
	ws, err := accept(w, r)
	if err != nil {
		return
	}
	ctx := ws.CloseRead(r.Context())
	rd := &bareReader{ch: make(chan []byte, bareQueue), done: make(chan struct{})}
	rd.ch <- []byte(`{"k":"sync"}`)
	name := r.URL.Query().Get("room")
	b.mu.Lock()
	room := b.rooms[name]
	if room == nil {
		room = make(map[*bareReader]struct{})
		b.rooms[name] = room
	}
	room[rd] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(room, rd) // rooms stay: a relay lives for one measurement
		b.mu.Unlock()
	}()
	for {
		select {
		case f := <-rd.ch:
			wctx, cancel := context.WithTimeout(ctx, bareWriteTimeout)
			err := ws.Write(wctx, websocket.MessageText, f)
			cancel()
			if err != nil {
				return
			}
		case <-rd.done:
			_ = ws.Close(protocol.CloseSlow, "slow consumer")
			return
		case <-ctx.Done():
			return
		}
	}
}

// handleWrite queues every frame the writer sends for every reader.
func (b *BareRelay) handleWrite(w http.ResponseWriter, r *http.Request) {
	ws, err := accept(w, r)
	if err != nil {
		return
	}
	ws.SetReadLimit(8 << 20)
	defer ws.CloseNow()
	name := r.URL.Query().Get("room")
	for {
		_, frame, err := ws.Read(r.Context())
		if err != nil {
			return
		}
		b.mu.Lock()
		room := b.rooms[name]
		for rd := range room {
			select {
			case rd.ch <- frame:
			default:
				delete(room, rd)
				rd.cut()
			}
		}
		b.mu.Unlock()
	}
}
