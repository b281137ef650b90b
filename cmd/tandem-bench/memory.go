package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/tandemhq/tandem/internal/bench"
)

// memoryTarget bounds what an idle live assist costs beyond its snapshot.
const memoryTarget = 64 << 10

func runMemory(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("memory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	assists := fs.Int("assists", 1000, "idle live assists to open")
	snapshot := fs.Int("snapshot-bytes", 4096, "payload bytes of each assist's snapshot")
	watchers := fs.Int("watchers", 1, "agent channels watching each assist (0 for none)")
	recording := fs.Bool("recording", true, "record, as in production")
	settle := fs.Duration("settle", 8*time.Second, "wait before each reading (longer than the recorder's flush interval, so that idle assists have stored their recording)")
	parallel := fs.Int("parallel", 16, "assists opened at once")
	compress := fs.Bool("compress", false, "the people offer permessage-deflate, as browsers do")
	storeURL := fs.String("store", "", "the server's store URL (default: SQLite in a fresh directory); the database should be empty")
	blobsURL := fs.String("blobs", "", "the server's blob storage URL (default: a fresh directory); the bucket should be empty")
	compare := fs.Bool("compare", false, "with -store or -blobs: measure the embedded SQLite and directory first, in the same run, and print the ratio")
	profile := fs.String("heapprofile", "", "write a heap profile of the server, with every allocation sampled, to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *compare && *storeURL == "" && *blobsURL == "" {
		return fmt.Errorf("-compare needs -store or -blobs: the backends to compare with SQLite and a directory")
	}
	var heapProfile io.Writer
	if *profile != "" {
		// Sample every allocation, so that the profile accounts for all of
		// the heap; set before the server starts.
		runtime.MemProfileRate = 1
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		heapProfile = f
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program to run the clients: %w", err)
	}
	if err := needFiles(2*uint64(*assists) + 256); err != nil {
		return err
	}
	printMachine(stdout)
	fmt.Fprintf(stdout, "memory of idle live assists: in-process server (recording %s), clients in a child process;\n"+
		"each assist: a person's channel (compressed: %v), one agent's channel, a meta and a %d B snapshot frame\n\n",
		onOff(*recording), *compress, *snapshot)
	measure := func(storeURL, blobsURL string, heapProfile io.Writer) (bench.MemoryResult, error) {
		return bench.MeasureMemory(ctx, bench.MemoryOptions{
			Assists: *assists, SnapshotBytes: *snapshot, DisableRecording: !*recording, Settle: *settle, Parallel: *parallel, Compress: *compress, Watchers: watchersOption(*watchers),
			StoreURL: storeURL, BlobsURL: blobsURL,
			HeapProfile: heapProfile,
			Command: func() *exec.Cmd {
				cmd := exec.Command(self, "memory-client")
				cmd.Stderr = stderr
				return cmd
			},
			Log: func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) },
		})
	}
	var embedded bench.MemoryResult
	if *compare {
		if embedded, err = measure("", "", nil); err != nil {
			return err
		}
	}
	res, err := measure(*storeURL, *blobsURL, heapProfile)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tbefore\tafter\tper assist\t")
	row := func(name string, before, after uint64) {
		fmt.Fprintf(tw, "%s\t%d KiB\t%d KiB\t%.1f KiB\t\n", name, before>>10, after>>10,
			float64(int64(after)-int64(before))/float64(res.Assists)/1024)
	}
	row("heap in use", res.Before.HeapInuse, res.After.HeapInuse)
	row("goroutine stacks", res.Before.StackInuse, res.After.StackInuse)
	row("RSS", res.Before.RSS, res.After.RSS)
	fmt.Fprintf(tw, "goroutines\t%d\t%d\t%.1f\t\n", res.Before.Goroutines, res.After.Goroutines, res.GoroutinesPerAssist())
	fmt.Fprintf(tw, "buffered snapshot (meta + snap frames)\t\t\t%.1f KiB\t\n", float64(res.Retained)/float64(res.Assists)/1024)
	if err := tw.Flush(); err != nil {
		return err
	}
	per := res.PerAssist()
	fmt.Fprintf(stdout, "\nper idle live assist, heap + stacks beyond the buffered snapshot, on %s: %.1f KiB (target < %d KiB: %s)\n",
		backendsLabel(*storeURL, *blobsURL), float64(per)/1024, memoryTarget>>10, met(per < memoryTarget))
	if *compare {
		e := embedded.PerAssist()
		fmt.Fprintf(stdout, "on sqlite+file in the same run: %.1f KiB; ratio %.2f\n", float64(e)/1024, float64(per)/float64(e))
	}
	return nil
}

// runMemoryClient is the child process of runMemory; it talks over stdin
// and stdout (see bench.RunMemoryClient).
func runMemoryClient(ctx context.Context, args []string, stdin io.Reader, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("memory-client takes no arguments: tandem-bench memory starts it")
	}
	return bench.RunMemoryClient(ctx, stdin, stdout)
}

// watchersOption maps the flag (0 for none) to MemoryOptions.Watchers
// (0 for the default of one, -1 for none).
func watchersOption(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
