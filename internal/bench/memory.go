package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// MemoryOptions configure MeasureMemory. Zero values get the defaults in
// parentheses.
type MemoryOptions struct {
	Assists       int // idle live assists to open (1000)
	SnapshotBytes int // payload bytes of each assist's snapshot (4096)
	// DisableRecording runs the server without recording; by default it
	// records, as in production.
	DisableRecording bool
	// Settle is how long to wait before each reading, for background work
	// (recording flushes, pings) to finish (3s).
	Settle   time.Duration
	Parallel int // assists opened at once (16)
	// Compress has the people's channels offer permessage-deflate, as
	// browsers do.
	Compress bool
	// StoreURL and BlobsURL are the server's backends (ServerOptions').
	StoreURL, BlobsURL string
	// Watchers is the number of agent channels watching each assist (1);
	// -1 means none, to measure the assist alone.
	Watchers int
	// Command returns a command that runs RunMemoryClient in another
	// process: the clients must not share the measured heap (required).
	Command func() *exec.Cmd
	// HeapProfile, if set, gets a heap profile (pprof format) of the server
	// process taken with the last reading.
	HeapProfile io.Writer
	Log         func(format string, args ...any)
}

func (o *MemoryOptions) setDefaults() {
	if o.Assists <= 0 {
		o.Assists = 1000
	}
	if o.SnapshotBytes <= 0 {
		o.SnapshotBytes = 4096
	}
	if o.Settle <= 0 {
		o.Settle = 3 * time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 16
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
}

// MemStat is a reading of the server process's memory after a full GC.
type MemStat struct {
	HeapInuse  uint64 // bytes in in-use heap spans
	StackInuse uint64 // bytes of goroutine stacks
	RSS        uint64 // resident set size from /proc/self/status; 0 where unknown
	Goroutines int
}

// Go is the memory the Go runtime holds for live objects and stacks.
func (m MemStat) Go() uint64 { return m.HeapInuse + m.StackInuse }

// MemoryResult is what idle live assists cost the server.
type MemoryResult struct {
	Assists       int
	Before, After MemStat
	// Retained is the bytes of the meta and snapshot frames the server
	// keeps for late agents, over all the assists: the buffered snapshot.
	Retained int64
}

// PerAssist is the Go memory (heap and stacks) an idle live assist costs
// the server beyond its buffered snapshot.
func (r MemoryResult) PerAssist() int64 {
	return (int64(r.After.Go()) - int64(r.Before.Go()) - r.Retained) / int64(r.Assists)
}

// GoroutinesPerAssist is how many goroutines the server runs per assist.
func (r MemoryResult) GoroutinesPerAssist() float64 {
	return float64(r.After.Goroutines-r.Before.Goroutines) / float64(r.Assists)
}

// memoryJob is what MeasureMemory asks of the client process, as one JSON
// line on its stdin.
type memoryJob struct {
	Target        Target
	Assists       int
	SnapshotBytes int
	Parallel      int
	Compress      bool
	Watchers      int
}

// MeasureMemory starts a Tandem in this process and reads its memory
// before and after another process (opts.Command) opened opts.Assists idle
// live assists on it, each with one agent watching and one snapshot
// published. Before the first reading the client opens one assist, kept
// open throughout, so that what the first assist sets up once (connection
// pools, caches, code paths) is not counted per assist.
func MeasureMemory(ctx context.Context, opts MemoryOptions) (MemoryResult, error) {
	opts.setDefaults()
	if opts.Command == nil {
		return MemoryResult{}, errors.New("memory: no client command")
	}
	srv, err := StartServer(ctx, ServerOptions{DisableRecording: opts.DisableRecording, StoreURL: opts.StoreURL, BlobsURL: opts.BlobsURL})
	if err != nil {
		return MemoryResult{}, err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = srv.Close(ctx)
	}()

	cmd := opts.Command()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return MemoryResult{}, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return MemoryResult{}, err
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return MemoryResult{}, fmt.Errorf("start the client process: %w", err)
	}
	defer func() {
		stdin.Close() // the client closes its channels and exits
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	lines := bufio.NewScanner(stdout)
	expect := func(word string) (string, error) {
		if !lines.Scan() {
			return "", fmt.Errorf("the client process stopped before %q: %v", word, lines.Err())
		}
		rest, ok := strings.CutPrefix(lines.Text(), word)
		if !ok {
			return "", fmt.Errorf("the client process said %q, want %q", lines.Text(), word)
		}
		return strings.TrimSpace(rest), nil
	}

	job, _ := json.Marshal(memoryJob{Target: srv.Target, Assists: opts.Assists, SnapshotBytes: opts.SnapshotBytes, Parallel: opts.Parallel, Compress: opts.Compress, Watchers: opts.Watchers})
	if _, err := fmt.Fprintf(stdin, "%s\n", job); err != nil {
		return MemoryResult{}, fmt.Errorf("talk to the client process: %w", err)
	}
	if _, err := expect("warm"); err != nil {
		return MemoryResult{}, err
	}
	res := MemoryResult{Assists: opts.Assists}
	res.Before = readMem(opts.Settle)
	opts.Log("before: %s; opening %d idle live assists", res.Before, opts.Assists)
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		return MemoryResult{}, fmt.Errorf("talk to the client process: %w", err)
	}
	retained, err := expect("ready")
	if err != nil {
		return MemoryResult{}, err
	}
	if res.Retained, err = strconv.ParseInt(retained, 10, 64); err != nil {
		return MemoryResult{}, fmt.Errorf("the client process said ready %q: %w", retained, err)
	}
	res.After = readMem(opts.Settle)
	opts.Log("after: %s", res.After)
	if opts.HeapProfile != nil {
		if err := pprof.Lookup("heap").WriteTo(opts.HeapProfile, 0); err != nil {
			return res, fmt.Errorf("heap profile: %w", err)
		}
	}
	return res, nil
}

// String describes the reading in KiB, for logs.
func (m MemStat) String() string {
	return fmt.Sprintf("heap in use %d KiB, stacks %d KiB, RSS %d KiB, %d goroutines",
		m.HeapInuse>>10, m.StackInuse>>10, m.RSS>>10, m.Goroutines)
}

// readMem waits for settle, then collects garbage until the Go memory in
// use stops shrinking (each collection can also halve the stacks of idle
// goroutines, as happens over time in an idle server), returns freed
// memory to the OS so that RSS means something, and reads the statistics.
func readMem(settle time.Duration) MemStat {
	time.Sleep(settle)
	var ms runtime.MemStats
	last := uint64(math.MaxUint64)
	for range 10 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse+ms.StackInuse >= last {
			break
		}
		last = ms.HeapInuse + ms.StackInuse
	}
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms)
	return MemStat{HeapInuse: ms.HeapInuse, StackInuse: ms.StackInuse, RSS: readRSS(), Goroutines: runtime.NumGoroutine()}
}

// readRSS returns VmRSS of /proc/self/status in bytes, or 0.
func readRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// RunMemoryClient is the client process of MeasureMemory: it reads the job
// from in, opens one assist and says "warm", waits for "go", opens the
// assists and says "ready" with the bytes of their snapshot frames, then
// keeps every channel open (reading and answering pings) until in closes.
func RunMemoryClient(ctx context.Context, in io.Reader, out io.Writer) error {
	lines := bufio.NewScanner(in)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	if !lines.Scan() {
		return fmt.Errorf("read the job: %v", lines.Err())
	}
	var job memoryJob
	if err := json.Unmarshal(lines.Bytes(), &job); err != nil {
		return fmt.Errorf("read the job: %w", err)
	}
	o, err := NewOpener(ctx, job.Target)
	if err != nil {
		return err
	}
	watchers := job.Watchers
	switch {
	case watchers == 0:
		watchers = 1
	case watchers < 0:
		watchers = 0
	}
	open := OpenOptions{Watchers: watchers, Snapshot: SnapshotPayload(job.SnapshotBytes), Compress: job.Compress}
	warm, err := OpenMany(ctx, o, 1, 1, open)
	if err != nil {
		return err
	}
	drainAgents(warm)
	if _, err := fmt.Fprintln(out, "warm"); err != nil {
		return err
	}
	if !lines.Scan() || lines.Text() != "go" {
		return fmt.Errorf("waiting for go: %v", lines.Err())
	}
	as, err := OpenMany(ctx, o, job.Assists, job.Parallel, open)
	if err != nil {
		return err
	}
	drainAgents(as)
	var retained int
	for _, a := range as {
		retained += a.SnapshotBytes
	}
	if _, err := fmt.Fprintln(out, "ready", retained); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, in) // until the parent closes it
	for _, ws := range agentConns(append(warm, as...)) {
		_ = ws.CloseNow()
	}
	for _, a := range append(warm, as...) {
		_ = a.Person.WS.CloseNow()
	}
	return nil
}

func agentConns(as []*Assist) []*websocket.Conn {
	var out []*websocket.Conn
	for _, a := range as {
		out = append(out, a.Agents...)
	}
	return out
}

// drainAgents reads the agents' channels of as until they close, answering
// pings as a console does.
func drainAgents(as []*Assist) {
	for _, ws := range agentConns(as) {
		go func() {
			ctx := context.Background()
			for {
				_, msg, err := ws.Read(ctx)
				if err != nil {
					return
				}
				answerPing(ctx, ws, msg)
			}
		}()
	}
}
