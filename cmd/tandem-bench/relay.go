package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/tandemhq/tandem/internal/bench"
)

// Targets of the fan-out throughput: Tandem over the bare relay.
const (
	relayTargetNoRecord = 0.7
	relayTargetRecord   = 0.5
)

func runRelay(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	readers := fs.String("readers", "1,2,8", "reader counts to measure, comma-separated")
	events := fs.Int("events", 20000, "events the writer sends per measurement")
	size := fs.Int("size", 1024, "payload bytes of an event")
	rounds := fs.Int("rounds", 7, "measurements of each case; the median is reported")
	window := fs.Int("window", 256, "events in flight at most (below the server's reader queue of 1024)")
	compress := fs.Bool("compress", false, "the person offers permessage-deflate, as browsers do")
	ballast := fs.Int("ballast", 64<<20, "bytes of GC ballast kept alive during the run (0 for none)")
	verbose := fs.Bool("v", false, "print every measurement")
	var prof profiles
	prof.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	counts, err := parseInts(*readers)
	if err != nil {
		return fmt.Errorf("-readers: %w", err)
	}
	stopProfiles, err := prof.start(stderr)
	if err != nil {
		return err
	}
	defer stopProfiles()
	printMachine(stdout)
	fmt.Fprintf(stdout, "fan-out over WebSockets on loopback: 1 writer, %d events of %d B, window %d, GC ballast %d MiB, median of %d rounds\n",
		*events, *size, *window, *ballast>>20, *rounds)
	fmt.Fprintf(stdout, "Tandem's person channel compressed: %v\n\n", *compress)
	opts := bench.CompareOptions{
		Readers: counts, Rounds: *rounds,
		RelayOptions: bench.RelayOptions{Events: *events, Size: *size, Window: *window, Compress: *compress},
		Ballast:      *ballast,
	}
	if *ballast == 0 {
		opts.Ballast = -1
	}
	if *verbose {
		opts.Log = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	}
	res, err := bench.CompareRelay(ctx, opts)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "readers\tbare events/s\trec off events/s\tratio\ttarget\t\trec on events/s\tratio\ttarget\t\t")
	for _, c := range res {
		fmt.Fprintf(tw, "%d\t%.0f\t%.0f\t%.2f\t≥ %.1f\t%s\t%.0f\t%.2f\t≥ %.1f\t%s\t\n", c.Readers, c.Bare,
			c.NoRecord, c.NoRecordRatio(), relayTargetNoRecord, met(c.NoRecordRatio() >= relayTargetNoRecord),
			c.Record, c.RecordRatio(), relayTargetRecord, met(c.RecordRatio() >= relayTargetRecord))
	}
	return tw.Flush()
}
