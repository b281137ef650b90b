package bench

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// LatencyOptions configure MeasureLatency. Zero values get the defaults in
// parentheses.
type LatencyOptions struct {
	// Levels are the numbers of concurrent live assists to measure at, in
	// order; assists opened for one level stay open for the next ({1}).
	Levels []int
	// Interval is the time between two frames of one person (100ms).
	Interval time.Duration
	// Warmup is how long every person sends before samples count (1s).
	Warmup time.Duration
	// Duration is how long samples are taken at each level (10s).
	Duration time.Duration
	// Size is the payload bytes of a frame (512).
	Size int
	// Parallel is how many assists are opened at once (16).
	Parallel int
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

// LatencyResult is the person-to-agent latency at one level: the time from
// a person's send to the agent's receive of each frame sent during the
// measured window.
type LatencyResult struct {
	Assists int
	Sent    int // frames sent in the window
	Samples int // of those, received by the agent (Sent unless some were lost)
	P50     time.Duration
	P99     time.Duration
	Max     time.Duration
}

// window is the span of send times, on the measuring clock, whose frames
// are sampled.
type window struct{ from, to atomic.Int64 }

func (w *window) has(t time.Duration) bool {
	return int64(t) >= w.from.Load() && int64(t) < w.to.Load()
}

// timedAssist is one assist of the latency measurement with its samples.
type timedAssist struct {
	*Assist
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
	base := time.Now()
	clock := func() time.Duration { return time.Since(base) }
	var win window

	var pool []*timedAssist
	var readers sync.WaitGroup
	defer func() {
		as := make([]*Assist, len(pool))
		for i, ta := range pool {
			as[i] = ta.Assist
		}
		CloseAll(context.Background(), as, opts.Parallel)
		readers.Wait()
	}()

	var results []LatencyResult
	for _, n := range opts.Levels {
		if more := n - len(pool); more > 0 {
			opts.Log("opening %d live assists", more)
			start := time.Now()
			as, err := OpenMany(ctx, o, more, opts.Parallel, OpenOptions{Watchers: 1, Snapshot: SnapshotPayload(2048)})
			if err != nil {
				return results, err
			}
			opts.Log("opened %d live assists in %v", more, time.Since(start).Round(time.Millisecond))
			for _, a := range as {
				ta := &timedAssist{Assist: a}
				pool = append(pool, ta)
				readers.Go(func() { ta.receive(clock, &win) })
			}
		}
		level := pool[:n]
		opts.Log("%d assists: sending for %v (%v warm-up)", n, opts.Warmup+opts.Duration, opts.Warmup)
		from := clock() + opts.Warmup
		win.from.Store(int64(from))
		win.to.Store(int64(from + opts.Duration))
		if err := sendAll(ctx, level, clock, &win, opts); err != nil {
			return results, err
		}
		results = append(results, collect(level, opts.Interval))
	}
	return results, nil
}

// sendAll has every person of level send a frame every Interval until the
// window closed; their start times are spread over the first Interval, as
// independent pages' would be.
func sendAll(ctx context.Context, level []*timedAssist, clock func() time.Duration, win *window, opts LatencyOptions) error {
	end := time.Duration(win.to.Load())
	errs := make([]error, len(level))
	var wg sync.WaitGroup
	for i, ta := range level {
		offset := opts.Interval * time.Duration(i) / time.Duration(len(level))
		wg.Go(func() { errs[i] = ta.send(ctx, clock, win, end, offset, opts) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// send sends a timed frame every Interval, starting after offset, until
// the clock passes end.
func (ta *timedAssist) send(ctx context.Context, clock func() time.Duration, win *window, end, offset time.Duration, opts LatencyOptions) error {
	select {
	case <-time.After(offset):
	case <-ctx.Done():
		return ctx.Err()
	}
	tick := time.NewTicker(opts.Interval)
	defer tick.Stop()
	for {
		now := clock()
		if now >= end {
			return nil
		}
		if _, err := ta.Person.SendData(ctx, "ev", "page-1", "", timedPayload(opts.Size, now)); err != nil {
			return fmt.Errorf("assist %s: send: %w", ta.Person.AssistID, err)
		}
		if win.has(now) {
			ta.mu.Lock()
			ta.sent++
			ta.mu.Unlock()
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// receive reads the agent's channel until it closes, sampling the latency
// of the frames sent in the window, and answers pings as a console does.
func (ta *timedAssist) receive(clock func() time.Duration, win *window) {
	ws := ta.Agents[0]
	ctx := context.Background()
	var buf bytes.Buffer
	for {
		_, r, err := ws.Reader(ctx)
		if err != nil {
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return
		}
		now := clock()
		frame := buf.Bytes()
		switch {
		case isEv(frame):
			if sent, ok := sentTime(frame); ok && win.has(sent) {
				ta.mu.Lock()
				ta.samples = append(ta.samples, now-sent)
				ta.mu.Unlock()
			}
		default:
			answerPing(ctx, ws, frame)
		}
	}
}

// collect waits (up to a few intervals) for the frames still on their way,
// then takes every assist's samples of the level.
func collect(level []*timedAssist, interval time.Duration) LatencyResult {
	count := func() (sent, got int) {
		for _, ta := range level {
			ta.mu.Lock()
			sent += ta.sent
			got += len(ta.samples)
			ta.mu.Unlock()
		}
		return sent, got
	}
	deadline := time.Now().Add(max(5*interval, time.Second))
	for sent, got := count(); got < sent && time.Now().Before(deadline); sent, got = count() {
		time.Sleep(10 * time.Millisecond)
	}
	res := LatencyResult{Assists: len(level)}
	var all []time.Duration
	for _, ta := range level {
		ta.mu.Lock()
		res.Sent += ta.sent
		all = append(all, ta.samples...)
		ta.sent, ta.samples = 0, nil
		ta.mu.Unlock()
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
