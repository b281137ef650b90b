package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"
)

// CompareOptions configure CompareRelay.
type CompareOptions struct {
	Readers []int // reader counts to measure ({1, 2, 8})
	Rounds  int   // measurements of each case; the median is kept (5)
	RelayOptions
	// Ballast is the bytes of a pointer-free allocation kept alive during
	// the run (64 MiB; negative for none). The bare relay's live heap is
	// tiny, so without it the GC would run after every few MB allocated in
	// the bare cases but far less often in Tandem's, whose hub retains the
	// frames since the last snapshot; with it, the GC runs in proportion to
	// allocation in every case, as in a server holding many assists.
	Ballast int
	// Log, if set, is told about each measurement.
	Log func(format string, args ...any)
}

// Comparison is the fan-out of Tandem against the bare relay at one reader
// count: the median events per second of each, over the rounds.
type Comparison struct {
	Readers  int
	Bare     float64 // events/s of the bare relay
	NoRecord float64 // events/s of Tandem with recording off
	Record   float64 // events/s of Tandem with recording on
	Rounds   int
}

// NoRecordRatio is Tandem's rate with recording off over the bare relay's.
func (c Comparison) NoRecordRatio() float64 { return ratio(c.NoRecord, c.Bare) }

// RecordRatio is Tandem's rate with recording on over the bare relay's.
func (c Comparison) RecordRatio() float64 { return ratio(c.Record, c.Bare) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// The cases CompareRelay measures, in the order of a round.
const (
	caseBare = iota
	caseNoRecord
	caseRecord
	cases
)

func caseName(c int) string {
	switch c {
	case caseBare:
		return "bare relay"
	case caseNoRecord:
		return "tandem, recording off"
	}
	return "tandem, recording on"
}

// CompareRelay measures the bare relay and in-process Tandem servers (one
// recording, one not) back to back in the same run: every round measures
// each case at each reader count once, rotating which case goes first, and
// each case keeps its median over the rounds.
func CompareRelay(ctx context.Context, opts CompareOptions) ([]Comparison, error) {
	if len(opts.Readers) == 0 {
		opts.Readers = []int{1, 2, 8}
	}
	if opts.Rounds <= 0 {
		opts.Rounds = 5
	}
	opts.setDefaults()
	if opts.Ballast == 0 {
		opts.Ballast = 64 << 20
	}
	if opts.Ballast > 0 {
		ballast := make([]byte, opts.Ballast)
		defer runtime.KeepAlive(ballast)
	}
	logf := opts.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}

	var openers [cases]*Opener
	for _, c := range []int{caseNoRecord, caseRecord} {
		srv, err := StartServer(ctx, ServerOptions{DisableRecording: c == caseNoRecord})
		if err != nil {
			return nil, err
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = srv.Close(ctx)
		}()
		if openers[c], err = NewOpener(ctx, srv.Target); err != nil {
			return nil, err
		}
	}
	run := func(c, readers int, events int) (RelayResult, error) {
		o := opts.RelayOptions
		o.Readers, o.Events = readers, events
		if c == caseBare {
			return MeasureBare(ctx, o)
		}
		return MeasureTandem(ctx, openers[c], o)
	}

	// A short warm-up of every case, not kept.
	for c := range cases {
		if _, err := run(c, 1, min(opts.Events, 2000)); err != nil {
			return nil, fmt.Errorf("warm-up, %s: %w", caseName(c), err)
		}
	}
	rates := make([][cases][]float64, len(opts.Readers))
	for round := range opts.Rounds {
		for i, readers := range opts.Readers {
			for k := range cases {
				c := (k + round) % cases
				res, err := run(c, readers, opts.Events)
				if err != nil {
					return nil, fmt.Errorf("%s, %d readers: %w", caseName(c), readers, err)
				}
				rates[i][c] = append(rates[i][c], res.EventsPerSec())
				logf("round %d, %d readers, %s: %.0f events/s", round+1, readers, caseName(c), res.EventsPerSec())
			}
		}
	}
	out := make([]Comparison, len(opts.Readers))
	for i, readers := range opts.Readers {
		out[i] = Comparison{
			Readers: readers, Rounds: opts.Rounds,
			Bare:     median(rates[i][caseBare]),
			NoRecord: median(rates[i][caseNoRecord]),
			Record:   median(rates[i][caseRecord]),
		}
	}
	return out, nil
}

// median returns the middle of xs (the mean of the two middle ones for an
// even count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
