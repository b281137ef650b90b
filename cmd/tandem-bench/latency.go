package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tandemhq/tandem/internal/bench"
)

// latencyTarget bounds the p99 person-to-agent latency at 1,000 assists.
const latencyTarget = 5 * time.Millisecond

func runLatency(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("latency", flag.ContinueOnError)
	fs.SetOutput(stderr)
	levels := fs.String("assists", "1,100,1000", "numbers of concurrent live assists, comma-separated, increasing")
	interval := fs.Duration("interval", 100*time.Millisecond, "time between two frames of one person")
	duration := fs.Duration("duration", 10*time.Second, "measured time per level")
	settle := fs.Duration("settle", 2*time.Second, "pause after opening a level's assists, before the warm-up")
	warmup := fs.Duration("warmup", time.Second, "unmeasured sending before each level's samples")
	size := fs.Int("size", 512, "payload bytes of a frame")
	parallel := fs.Int("parallel", 16, "assists opened at once")
	recording := fs.Bool("recording", true, "record (in-process server only)")
	compress := fs.Bool("compress", false, "the people offer permessage-deflate, as browsers do")
	baseline := fs.Bool("baseline", true, "also measure the bare relay at the same levels, as a baseline of this machine")
	server := fs.String("server", "", "measure this Tandem (base URL) instead of one started in-process")
	siteKey := fs.String("site-key", "", "with -server: a site's key")
	origin := fs.String("origin", "https://shop.example.com", "with -server: an origin the site allows")
	email := fs.String("email", "", "with -server: an agent's email")
	password := fs.String("password", "", "with -server: the agent's password")
	storeURL := fs.String("store", "", "in-process server: its store URL (default: SQLite in a fresh directory); the database should be empty")
	blobsURL := fs.String("blobs", "", "in-process server: its blob storage URL (default: a fresh directory); the bucket should be empty")
	compare := fs.Bool("compare", false, "with -store or -blobs: measure the embedded SQLite and directory first, in the same run, and print the ratio")
	var prof profiles
	prof.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	counts, err := parseInts(*levels)
	if err != nil {
		return fmt.Errorf("-assists: %w", err)
	}
	if !slices.IsSorted(counts) {
		return fmt.Errorf("-assists: levels must increase")
	}
	most := uint64(slices.Max(counts))

	var target bench.Target
	where := "in-process server"
	if *server != "" {
		if *siteKey == "" || *email == "" || *password == "" {
			return fmt.Errorf("-server needs -site-key, -email and -password")
		}
		target = bench.Target{URL: *server, SiteKey: *siteKey, Origin: *origin, Email: *email, Password: *password}
		where = *server
		// Two client sockets per assist, and some to spare.
		if err := needFiles(2*most + 256); err != nil {
			return err
		}
	} else {
		// Both ends of two sockets per assist, and some to spare.
		if err := needFiles(4*most + 256); err != nil {
			return err
		}
		if *compare && *storeURL == "" && *blobsURL == "" {
			return fmt.Errorf("-compare needs -store or -blobs: the backends to compare with SQLite and a directory")
		}
		where = fmt.Sprintf("in-process server (recording %v, %s), clients in the same process", onOff(*recording), backendsLabel(*storeURL, *blobsURL))
	}
	opts := bench.ServerOptions{
		DisableRecording: !*recording,
		Logger:           slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		StoreURL:         *storeURL, BlobsURL: *blobsURL,
	}
	stopProfiles, err := prof.start(stderr)
	if err != nil {
		return err
	}
	defer stopProfiles()
	printMachine(stdout)
	fmt.Fprintf(stdout, "person-to-agent latency: %s; a %d B frame every %v per assist, %v measured per level after %v;\n"+
		"people's channels compressed: %v\n\n", where, *size, *interval, *duration, *warmup, *compress)
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	lopts := bench.LatencyOptions{
		Levels: counts, Interval: *interval, Settle: *settle, Warmup: *warmup, Duration: *duration, Size: *size, Parallel: *parallel, Compress: *compress,
		Log: func(format string, args ...any) { logf("tandem: "+format, args...) },
	}
	var embedded []bench.LatencyResult
	if *compare {
		lopts.Log = func(format string, args ...any) { logf("sqlite+file: "+format, args...) }
		embedded, err = measureInProcess(ctx, bench.ServerOptions{DisableRecording: opts.DisableRecording, Logger: opts.Logger}, lopts)
		if err != nil {
			return err
		}
		lopts.Log = func(format string, args ...any) { logf("tandem: "+format, args...) }
	}
	var res []bench.LatencyResult
	if *server != "" {
		res, err = bench.MeasureLatency(ctx, target, lopts)
	} else {
		res, err = measureInProcess(ctx, opts, lopts)
	}
	var bare []bench.LatencyResult
	if err == nil && *baseline {
		lopts.Log = func(format string, args ...any) { logf("bare relay: "+format, args...) }
		bare, err = bench.MeasureBareLatency(ctx, lopts)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tassists\tframes/s\tsent\tsamples\tp50\tp99\tmax\tCPU\tp99 target\t\t")
	row := func(name string, r bench.LatencyResult, target bool) {
		rate := float64(r.Sent) / duration.Seconds()
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%d\t%d\t%s\t%s\t%s\t%.2f\t", name, r.Assists, rate, r.Sent, r.Samples,
			ms(r.P50), ms(r.P99), ms(r.Max), r.CPU)
		if target {
			fmt.Fprintf(tw, "< %v\t%s\t\n", latencyTarget, met(r.Samples > 0 && r.P99 < latencyTarget))
		} else {
			fmt.Fprint(tw, "\t\t\n")
		}
	}
	for i, r := range res {
		row("tandem", r, true)
		if i < len(embedded) {
			row("on sqlite+file", embedded[i], true)
		}
		if i < len(bare) {
			row("bare relay", bare[i], false)
		}
	}
	if ferr := tw.Flush(); err == nil {
		err = ferr
	}
	for i := range min(len(res), len(embedded)) {
		r, e := res[i], embedded[i]
		fmt.Fprintf(stdout, "\n%d assists: p99 %s / %s on sqlite+file = %.2f (target ≤ 1.2: %s); frames lost %d of %d (sqlite+file: %d of %d)",
			r.Assists, backendsLabel(*storeURL, *blobsURL), ms(e.P99), ratio(r.P99, e.P99), met(ratio(r.P99, e.P99) <= 1.2 && r.Sent == r.Samples),
			r.Sent-r.Samples, r.Sent, e.Sent-e.Samples, e.Sent)
	}
	if len(embedded) > 0 {
		fmt.Fprintln(stdout)
	}
	who := "server and clients"
	if *server != "" {
		who = "clients only"
	}
	fmt.Fprintf(stdout, "\nCPU: CPU time of this process (%s) per second; 1.00 is one core busy.\n", who)
	return err
}

// measureInProcess starts a server with opts, measures it and stops it.
func measureInProcess(ctx context.Context, opts bench.ServerOptions, lopts bench.LatencyOptions) ([]bench.LatencyResult, error) {
	srv, err := bench.StartServer(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_ = srv.Close(ctx)
	}()
	return bench.MeasureLatency(ctx, srv.Target, lopts)
}

// backendsLabel names a server's backends by their URLs' schemes.
func backendsLabel(storeURL, blobsURL string) string {
	scheme := func(u, def string) string {
		if s, _, ok := strings.Cut(u, "://"); ok {
			return s
		}
		return def
	}
	return scheme(storeURL, "sqlite") + "+" + scheme(blobsURL, "file")
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
