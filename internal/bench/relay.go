package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/simclient"
)

// RelayOptions size one fan-out measurement.
type RelayOptions struct {
	Readers int // connections receiving every event (1)
	Events  int // events the writer sends (10000)
	Size    int // payload bytes of an event (1024)
	// Window bounds the events sent but not yet received by the slowest
	// reader (256), so that the writer runs as fast as the readers can take
	// it without filling the server's reader queues (1024 frames), past
	// which a reader is cut off as a slow consumer.
	Window int
	// Compress has Tandem's person offer permessage-deflate, as browsers
	// do; the bare relay never compresses.
	Compress bool
}

func (o *RelayOptions) setDefaults() {
	if o.Readers <= 0 {
		o.Readers = 1
	}
	if o.Events <= 0 {
		o.Events = 10000
	}
	if o.Size <= 0 {
		o.Size = 1024
	}
	if o.Window <= 0 {
		o.Window = 256
	}
}

// RelayResult is one fan-out measurement: Events sent by one writer and
// received, each, by Readers readers in Elapsed.
type RelayResult struct {
	Readers int
	Events  int
	Size    int
	Elapsed time.Duration
}

// EventsPerSec is the writer's rate: events per second that every reader
// received.
func (r RelayResult) EventsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Events) / r.Elapsed.Seconds()
}

// fanout is one writer connection and its reader connections, ready to
// stream: the readers are subscribed, so they will get every event sent.
type fanout struct {
	send    func(ctx context.Context, seq uint64, payload []byte) error
	readers []*websocket.Conn
	close   func(ctx context.Context)
}

// MeasureBare measures the bare relay: a fresh relay, one writer and
// opts.Readers readers over WebSockets on loopback.
func MeasureBare(ctx context.Context, opts RelayOptions) (RelayResult, error) {
	opts.setDefaults()
	b, err := StartBareRelay()
	if err != nil {
		return RelayResult{}, err
	}
	defer b.Close()
	f, err := openBare(ctx, b, opts.Readers)
	if err != nil {
		return RelayResult{}, err
	}
	defer f.close(ctx)
	return measure(ctx, f, opts)
}

func openBare(ctx context.Context, b *BareRelay, readers int) (*fanout, error) {
	f := &fanout{}
	var w *websocket.Conn
	f.close = func(context.Context) {
		for _, ws := range f.readers {
			_ = ws.CloseNow()
		}
		if w != nil {
			_ = w.CloseNow()
		}
	}
	for range readers {
		ws, err := b.dial(ctx, "/read")
		if err != nil {
			f.close(ctx)
			return nil, err
		}
		f.readers = append(f.readers, ws)
		if _, _, err := simclient.ReadUntil(ctx, ws, "sync"); err != nil {
			f.close(ctx)
			return nil, fmt.Errorf("bare relay reader: %w", err)
		}
	}
	w, err := b.dial(ctx, "/write")
	if err != nil {
		f.close(ctx)
		return nil, err
	}
	f.send = func(ctx context.Context, seq uint64, payload []byte) error {
		return w.Write(ctx, websocket.MessageText, bareFrame(seq, payload))
	}
	return f, nil
}

// MeasureTandem measures a Tandem server: a fresh live assist, opened by o,
// whose person sends the events (after a small snapshot) to opts.Readers
// agent channels watching it. Whether it records is the server's setting.
func MeasureTandem(ctx context.Context, o *Opener, opts RelayOptions) (RelayResult, error) {
	opts.setDefaults()
	f, err := openTandem(ctx, o, opts.Readers, opts.Compress)
	if err != nil {
		return RelayResult{}, err
	}
	defer f.close(ctx)
	return measure(ctx, f, opts)
}

func openTandem(ctx context.Context, o *Opener, readers int, compress bool) (*fanout, error) {
	a, err := o.Open(ctx, OpenOptions{Watchers: readers, Snapshot: SnapshotPayload(2048), Compress: compress})
	if err != nil {
		return nil, err
	}
	return &fanout{
		readers: a.Agents,
		send: func(ctx context.Context, _ uint64, payload []byte) error {
			_, err := a.Person.SendData(ctx, "ev", "page-1", "", payload)
			return err
		},
		close: a.Close,
	}, nil
}

// measure streams opts.Events events through f and times them from the
// first send until every reader received the last.
func measure(ctx context.Context, f *fanout, opts RelayOptions) (RelayResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	payload := EventPayload(opts.Size)
	got := make([]atomic.Int64, len(f.readers))
	progress := make(chan struct{}, 1)
	readErr := make(chan error, len(f.readers))
	var wg sync.WaitGroup
	for i, ws := range f.readers {
		wg.Go(func() {
			readErr <- readEvents(ctx, ws, int64(opts.Events), &got[i], progress)
		})
	}
	slowest := func() int64 {
		m := got[0].Load()
		for i := range got[1:] {
			m = min(m, got[i+1].Load())
		}
		return m
	}

	start := time.Now()
	var err error
	for seq := 1; seq <= opts.Events && err == nil; seq++ {
		for err == nil && int64(seq-1)-slowest() >= int64(opts.Window) {
			select {
			case <-progress:
			case err = <-readErr:
				err = readerFailed(err)
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		if err == nil {
			if e := f.send(ctx, uint64(seq), payload); e != nil {
				err = fmt.Errorf("send event %d: %w", seq, e)
			}
		}
	}
	for range f.readers {
		if err != nil {
			break
		}
		err = readerFailed(<-readErr)
	}
	elapsed := time.Since(start)
	cancel()
	wg.Wait()
	if err != nil {
		return RelayResult{}, err
	}
	return RelayResult{Readers: len(f.readers), Events: opts.Events, Size: opts.Size, Elapsed: elapsed}, nil
}

var errReaderDone = errors.New("reader done")

// readerFailed turns a reader's result into the measurement's error: nil
// when it received everything.
func readerFailed(err error) error {
	if errors.Is(err, errReaderDone) {
		return nil
	}
	return fmt.Errorf("reader: %w", err)
}

// readEvents reads frames until want `ev` frames arrived, counting them in
// got and poking progress without waiting. It reads each frame into one
// reused buffer, so that the clients' garbage does not weigh on the server
// sharing this process.
func readEvents(ctx context.Context, ws *websocket.Conn, want int64, got *atomic.Int64, progress chan<- struct{}) error {
	var buf bytes.Buffer
	for {
		_, r, err := ws.Reader(ctx)
		if err != nil {
			if ws := websocket.CloseStatus(err); ws != -1 {
				return fmt.Errorf("closed by the server with %d: %w", ws, err)
			}
			return err
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return err
		}
		if !isEv(buf.Bytes()) {
			continue
		}
		n := got.Add(1)
		select {
		case progress <- struct{}{}:
		default:
		}
		if n == want {
			return errReaderDone
		}
	}
}
