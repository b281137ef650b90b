package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/tandemhq/tandem/internal/bench"
)

// crossNodeTarget bounds the person-to-agent p99 when the agent is on
// another node than the assist's owner, as a ratio to both on the owner.
const crossNodeTarget = 1.5

// runCluster measures several nodes of one installation in this process:
// the latency an agent on another node than the assist's owner sees, as a
// ratio to an agent on the owner measured in the same run, and the
// aggregate events/s the cluster relays with 1, 2, ... nodes serving.
func runCluster(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nodes := fs.Int("nodes", 3, "nodes to start (at least 2)")
	levels := fs.String("assists", "1000", "concurrent live assists for the latency figures, comma-separated, increasing")
	interval := fs.Duration("interval", 100*time.Millisecond, "time between two frames of one person")
	duration := fs.Duration("duration", 10*time.Second, "measured time of each latency run")
	parallel := fs.Int("parallel", 16, "assists opened at once")
	streams := fs.Int("streams", 6, "fan-outs relaying at once for the aggregate events/s")
	events := fs.Int("events", 20000, "events each fan-out sends")
	storeURL := fs.String("store", "", "the store every node shares (default: one SQLite file)")
	blobsURL := fs.String("blobs", "", "the blob storage every node shares (default: one directory)")
	busURL := fs.String("bus", "", "the bus between the nodes, nats://... (default: local, which does not reach other nodes)")
	onlyCross := fs.Bool("only-cross", false, "measure only the agents on another node (for profiles)")
	var prof profiles
	prof.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *nodes < 2 {
		return fmt.Errorf("-nodes: at least 2")
	}
	counts, err := parseInts(*levels)
	if err != nil {
		return fmt.Errorf("-assists: %w", err)
	}
	if !slices.IsSorted(counts) {
		return fmt.Errorf("-assists: levels must increase")
	}
	if err := needFiles(uint64(4*slices.Max(counts) + 256)); err != nil {
		return err
	}
	opts := bench.ServerOptions{
		Logger:   slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		StoreURL: *storeURL, BlobsURL: *blobsURL, BusURL: *busURL,
	}
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	printMachine(stdout)
	fmt.Fprintf(stdout, "%d nodes in this process (%s, bus %s), clients in the same process\n\n", *nodes, backendsLabel(*storeURL, *blobsURL), orLocal(*busURL))

	cluster, err := bench.StartCluster(ctx, *nodes, opts)
	if err != nil {
		return err
	}
	defer bench.CloseCluster(cluster)

	if *onlyCross {
		stopProfiles, err := prof.start(stderr)
		if err != nil {
			return err
		}
		defer stopProfiles()
		cross := cluster[0].Target
		cross.AgentURL = cluster[1].Target.URL
		_, err = bench.MeasureLatency(ctx, cross, bench.LatencyOptions{Levels: counts, Interval: *interval, Duration: *duration, Parallel: *parallel})
		return err
	}
	lopts := bench.LatencyOptions{Levels: counts, Interval: *interval, Duration: *duration, Parallel: *parallel}
	owner := cluster[0].Target
	lopts.Log = func(format string, args ...any) { logf("agent on the owner: "+format, args...) }
	same, err := bench.MeasureLatency(ctx, owner, lopts)
	if err != nil {
		return fmt.Errorf("agents on the owner: %w", err)
	}
	cross := owner
	cross.AgentURL = cluster[1].Target.URL
	lopts.Log = func(format string, args ...any) { logf("agent on another node: "+format, args...) }
	other, err := bench.MeasureLatency(ctx, cross, lopts)
	if err != nil {
		return fmt.Errorf("agents on another node: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "agent\tassists\tsent\tsamples\tp50\tp99\tmax\tCPU\t")
	for i := range same {
		for _, r := range []struct {
			name string
			res  bench.LatencyResult
		}{{"on the owner node", same[i]}, {"on another node", other[i]}} {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%.2f\t\n", r.name, r.res.Assists, r.res.Sent, r.res.Samples, ms(r.res.P50), ms(r.res.P99), ms(r.res.Max), r.res.CPU)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i := range same {
		q := ratio(other[i].P99, same[i].P99)
		fmt.Fprintf(stdout, "\n%d assists: p99 on another node / on the owner = %.2f (target ≤ %.1f: %s); frames lost %d of %d (owner: %d of %d)",
			same[i].Assists, q, crossNodeTarget, met(q <= crossNodeTarget && other[i].Sent == other[i].Samples),
			other[i].Sent-other[i].Samples, other[i].Sent, same[i].Sent-same[i].Samples, same[i].Sent)
	}
	fmt.Fprint(stdout, "\n\n")

	ropts := bench.RelayOptions{Readers: 1, Events: *events}
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "nodes serving\tstreams\tevents/s (all readers)\tratio to 1 node\t")
	var one float64
	for k := 1; k <= *nodes; k++ {
		logf("aggregate: %d node(s), %d streams", k, *streams)
		rate, err := bench.MeasureAggregate(ctx, cluster[:k], *streams, ropts)
		if err != nil {
			return fmt.Errorf("aggregate with %d nodes: %w", k, err)
		}
		if k == 1 {
			one = rate
		}
		fmt.Fprintf(tw, "%d\t%d\t%.0f\t%.2f\t\n", k, *streams, rate, rate/one)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nEvery node, and every client, shares this machine's cores: the aggregate shows what spreading costs, not what more machines add (docs/performance.md has the model).")
	return nil
}

func orLocal(u string) string {
	if u == "" {
		return "local"
	}
	return u
}
