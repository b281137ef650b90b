package bench

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/simclient"
)

// LatencyOptions configure MeasureLatency. Zero values get the defaults in
// parentheses.
type LatencyOptions struct {
	// Levels are the numbers of concurrent live assists to measure at, in
	// order; assists opened for one level stay open for the next ({1}).
	Levels []int
	// Interval is the time between two frames of one person (100ms).
	Interval time.Duration
	// Settle is the pause after opening a level's new assists, so that the
	// work opening leaves behind (audit entries written in the background,
	// the first recording flush) is over before the warm-up (2s).
	Settle time.Duration
	// Warmup is how long every person sends before samples count (1s).
	Warmup time.Duration
	// Duration is how long samples are taken at each level (10s).
	Duration time.Duration
	// Size is the payload bytes of a frame (512).
	Size int
	// Parallel is how many assists are opened at once (16).
	Parallel int
	// Compress has the people's channels offer permessage-deflate, as
	// browsers do (MeasureLatency only).
	Compress bool
	// Log, if set, is told about progress.
	Log func(format string, args ...any)
}

func (o *LatencyOptions) setDefaults() {
	if len(o.Levels) == 0 {
		o.Levels = []int{1}
	}
	if o.Interval <= 0 {
		o.Interval = 100 * time.Millisecond
	}
	if o.Settle <= 0 {
		o.Settle = 2 * time.Second
	}
	if o.Warmup <= 0 {
		o.Warmup = time.Second
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Size <= 0 {
		o.Size = 512
	}
	if o.Parallel <= 0 {
		o.Parallel = 16
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
}

// LatencyResult is the sender-to-reader latency at one level: the time from
// a person's send to the agent's receive of each frame sent during the
// measured window.
type LatencyResult struct {
	Assists int
	Sent    int // frames sent in the window
	Samples int // of those, received (Sent unless some were lost)
	P50     time.Duration
	P99     time.Duration
	Max     time.Duration
	// CPU is the CPU time this process used per second of the window
	// (1.0 is one core busy); 0 where unknown.
	CPU float64
}

// window is the span of send times, on the measuring clock, whose frames
// are sampled.
type window struct{ from, to atomic.Int64 }

func (w *window) has(t time.Duration) bool {
	return int64(t) >= w.from.Load() && int64(t) < w.to.Load()
}

// pair is one sender and the reader of what it sends: a live assist's
// person and agent, or a bare relay room's writer and reader.
type pair struct {
	name  string
	send  func(ctx context.Context, payload []byte) error
	recv  *websocket.Conn
	close func(ctx context.Context)

	mu      sync.Mutex
	samples []time.Duration
	sent    int
}

// MeasureLatency opens live assists on t, one agent watching each, and at
// each level has every person send a frame every Interval carrying its send
// time, read from this process's monotonic clock; the agent's reader takes
// receive minus send. Clients and (for an in-process server) the server
// share this process and its CPUs.
func MeasureLatency(ctx context.Context, t Target, opts LatencyOptions) ([]LatencyResult, error) {
	opts.setDefaults()
	o, err := NewOpener(ctx, t)
	if err != nil {
		return nil, err
	}
	open := func(ctx context.Context, n int) ([]*pair, error) {
		as, err := OpenMany(ctx, o, n, opts.Parallel, OpenOptions{Watchers: 1, Snapshot: SnapshotPayload(2048), Compress: opts.Compress})
		if err != nil {
			return nil, err
		}
		ps := make([]*pair, len(as))
		for i, a := range as {
			ps[i] = &pair{
				name: "assist " + a.Person.AssistID,
				send: func(ctx context.Context, payload []byte) error {
					_, err := a.Person.SendData(ctx, "ev", "page-1", "", payload)
					return err
				},
				recv:  a.Agents[0],
				close: a.Close,
			}
		}
		return ps, nil
	}
	return measureLatency(ctx, open, opts)
}

// MeasureBareLatency is MeasureLatency's baseline: the same clients and
// frames through the bare relay, one room (a writer and a reader) per
// assist.
func MeasureBareLatency(ctx context.Context, opts LatencyOptions) ([]LatencyResult, error) {
	opts.setDefaults()
	b, err := StartBareRelay()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	rooms := 0
	open := func(ctx context.Context, n int) ([]*pair, error) {
		ps := make([]*pair, 0, n)
		for range n {
			rooms++
			p, err := openBarePair(ctx, b, strconv.Itoa(rooms))
			if err != nil {
				for _, p := range ps {
					p.close(ctx)
				}
				return nil, err
			}
			ps = append(ps, p)
		}
		return ps, nil
	}
	return measureLatency(ctx, open, opts)
}

func openBarePair(ctx context.Context, b *BareRelay, room string) (*pair, error) {
	query := "?room=" + url.QueryEscape(room)
	r, err := b.dial(ctx, "/read"+query)
	if err != nil {
		return nil, err
	}
	if _, _, err := simclient.ReadUntil(ctx, r, "sync"); err != nil {
		_ = r.CloseNow()
		return nil, fmt.Errorf("bare relay reader: %w", err)
	}
	w, err := b.dial(ctx, "/write"+query)
	if err != nil {
		_ = r.CloseNow()
		return nil, err
	}
	var seq uint64
	return &pair{
		name: "room " + room,
		send: func(ctx context.Context, payload []byte) error {
			seq++
			return w.Write(ctx, websocket.MessageText, bareFrame(seq, payload))
		},
		recv: r,
		close: func(context.Context) {
			_ = w.CloseNow()
			_ = r.CloseNow()
		},
	}, nil
}

// measureLatency runs the levels over pairs from open.
func measureLatency(ctx context.Context, open func(ctx context.Context, n int) ([]*pair, error), opts LatencyOptions) ([]LatencyResult, error) {
	base := time.Now()
	clock := func() time.Duration { return time.Since(base) }
	var win window

	var pool []*pair
	var readers sync.WaitGroup
	defer func() {
		start := time.Now()
		defer func() { opts.Log("closed %d in %v", len(pool), time.Since(start).Round(time.Millisecond)) }()
		sem := make(chan struct{}, opts.Parallel)
		var wg sync.WaitGroup
		for _, p := range pool {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				p.close(context.Background())
			})
		}
		wg.Wait()
		readers.Wait()
	}()

	var results []LatencyResult
	for _, n := range opts.Levels {
		if more := n - len(pool); more > 0 {
			opts.Log("opening %d", more)
			start := time.Now()
			ps, err := open(ctx, more)
			if err != nil {
				return results, err
			}
			opts.Log("opened %d in %v", more, time.Since(start).Round(time.Millisecond))
			for _, p := range ps {
				pool = append(pool, p)
				readers.Go(func() { p.receive(clock, &win) })
			}
			select {
			case <-time.After(opts.Settle):
			case <-ctx.Done():
				return results, ctx.Err()
			}
		}
		level := pool[:n]
		opts.Log("%d: sending for %v (%v warm-up)", n, opts.Warmup+opts.Duration, opts.Warmup)
		from := clock() + opts.Warmup
		win.from.Store(int64(from))
		win.to.Store(int64(from + opts.Duration))
		var cpu cpuMeter
		go func() {
			time.Sleep(opts.Warmup)
			cpu.start()
		}()
		if err := sendAll(ctx, level, clock, &win, opts); err != nil {
			return results, err
		}
		busy := cpu.perSecond()
		res := collect(level, opts.Interval)
		res.CPU = busy
		results = append(results, res)
	}
	return results, nil
}

// sendAll has every sender of level send a frame every Interval until the
// window closed; their start times are spread over the first Interval, as
// independent pages' would be.
func sendAll(ctx context.Context, level []*pair, clock func() time.Duration, win *window, opts LatencyOptions) error {
	end := time.Duration(win.to.Load())
	errs := make([]error, len(level))
	var wg sync.WaitGroup
	for i, p := range level {
		offset := opts.Interval * time.Duration(i) / time.Duration(len(level))
		wg.Go(func() { errs[i] = p.sendEvery(ctx, clock, win, end, offset, opts) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// sendEvery sends a timed frame every Interval, starting after offset,
// until the clock passes end.
func (p *pair) sendEvery(ctx context.Context, clock func() time.Duration, win *window, end, offset time.Duration, opts LatencyOptions) error {
	select {
	case <-time.After(offset):
	case <-ctx.Done():
		return ctx.Err()
	}
	tick := time.NewTicker(opts.Interval)
	defer tick.Stop()
	// Writes with a context that cannot be cancelled arm no timer each; the
	// pair's close ends a write under way.
	wctx := context.WithoutCancel(ctx)
	var payload []byte
	for {
		now := clock()
		if now >= end {
			return nil
		}
		payload = appendTimedPayload(payload[:0], opts.Size, now)
		if err := p.send(wctx, payload); err != nil {
			return fmt.Errorf("%s: send: %w", p.name, err)
		}
		if win.has(now) {
			p.mu.Lock()
			p.sent++
			p.mu.Unlock()
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// receive reads the reader's channel until it closes, sampling the latency
// of the frames sent in the window, and answers pings as a console does.
func (p *pair) receive(clock func() time.Duration, win *window) {
	ctx := context.Background()
	var buf bytes.Buffer
	for {
		frame, err := readInto(ctx, p.recv, &buf)
		if err != nil {
			return
		}
		now := clock()
		if !isEv(frame) {
			answerPing(ctx, p.recv, frame)
			continue
		}
		if sent, ok := sentTime(frame); ok && win.has(sent) {
			p.mu.Lock()
			p.samples = append(p.samples, now-sent)
			p.mu.Unlock()
		}
	}
}

// collect waits (up to a few intervals) for the frames still on their way,
// then takes every pair's samples of the level.
func collect(level []*pair, interval time.Duration) LatencyResult {
	count := func() (sent, got int) {
		for _, p := range level {
			p.mu.Lock()
			sent += p.sent
			got += len(p.samples)
			p.mu.Unlock()
		}
		return sent, got
	}
	deadline := time.Now().Add(max(5*interval, time.Second))
	for sent, got := count(); got < sent && time.Now().Before(deadline); sent, got = count() {
		time.Sleep(10 * time.Millisecond)
	}
	res := LatencyResult{Assists: len(level)}
	var all []time.Duration
	for _, p := range level {
		p.mu.Lock()
		res.Sent += p.sent
		all = append(all, p.samples...)
		p.sent, p.samples = 0, nil
		p.mu.Unlock()
	}
	res.Samples = len(all)
	if len(all) > 0 {
		slices.Sort(all)
		res.P50 = percentile(all, 0.50)
		res.P99 = percentile(all, 0.99)
		res.Max = all[len(all)-1]
	}
	return res
}

// percentile returns the nearest-rank q-quantile of sorted xs.
func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
