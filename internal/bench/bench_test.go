package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// memoryClientEnv makes the test binary the client process of
// MeasureMemory instead of running the tests.
const memoryClientEnv = "TANDEM_BENCH_MEMORY_CLIENT"

func TestMain(m *testing.M) {
	if os.Getenv(memoryClientEnv) == "1" {
		if err := RunMemoryClient(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "memory client:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestCompareRelay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := CompareRelay(ctx, CompareOptions{
		Readers: []int{1, 2}, Rounds: 1,
		RelayOptions: RelayOptions{Events: 300, Size: 1024, Window: 64},
		Log:          t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d comparisons, want 2", len(got))
	}
	for i, c := range got {
		if c.Readers != []int{1, 2}[i] || c.Rounds != 1 {
			t.Errorf("comparison %d = %+v", i, c)
		}
		if c.Bare <= 0 || c.NoRecord <= 0 || c.Record <= 0 || c.NoRecordRatio() <= 0 || c.RecordRatio() <= 0 {
			t.Errorf("%d readers: rates %+v, ratios %.2f and %.2f; want all > 0", c.Readers, c, c.NoRecordRatio(), c.RecordRatio())
		}
	}
}

func TestMeasureTandem(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := startServer(t, false)
	o, err := NewOpener(ctx, srv.Target)
	if err != nil {
		t.Fatal(err)
	}
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			res, err := MeasureTandem(ctx, o, RelayOptions{Readers: 2, Events: 200, Size: 1024, Compress: compress})
			if err != nil {
				t.Fatal(err)
			}
			if res.Readers != 2 || res.Events != 200 || res.EventsPerSec() <= 0 {
				t.Errorf("result %+v, %.0f events/s", res, res.EventsPerSec())
			}
		})
	}
}

func TestMeasureReportsLostReader(t *testing.T) {
	// A reader that goes away must fail the measurement, not hang it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	relay, err := StartBareRelay()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	f, err := openBare(ctx, relay, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close(ctx)
	_ = f.readers[1].CloseNow()
	opts := RelayOptions{Events: 1000}
	opts.setDefaults()
	if _, err := measure(ctx, f, opts); err == nil {
		t.Fatal("measure with a closed reader succeeded")
	}
}

func TestMeasureLatency(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := startServer(t, false)
	got, err := MeasureLatency(ctx, srv.Target, LatencyOptions{
		Levels: []int{1, 2}, Interval: 20 * time.Millisecond, Settle: 100 * time.Millisecond,
		Warmup: 200 * time.Millisecond, Duration: time.Second, Log: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d levels, want 2", len(got))
	}
	for i, r := range got {
		t.Logf("%+v", r)
		if r.Assists != []int{1, 2}[i] {
			t.Errorf("level %d: %d assists", i, r.Assists)
		}
		// About 50 frames per assist in 1s, but a loaded machine ticks
		// less often: what counts is that every frame sent was measured.
		if r.Sent < r.Assists || r.Samples != r.Sent {
			t.Errorf("%d assists: %d samples of %d frames sent", r.Assists, r.Samples, r.Sent)
		}
		if r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P99 {
			t.Errorf("%d assists: p50 %v, p99 %v, max %v; want 0 < p50 <= p99 <= max", r.Assists, r.P50, r.P99, r.Max)
		}
	}
}

func TestMeasureMemory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const snap = 4096
	got, err := MeasureMemory(ctx, MemoryOptions{
		Assists: 3, SnapshotBytes: snap, Settle: 1200 * time.Millisecond, Log: t.Logf,
		Command: func() *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), memoryClientEnv+"=1")
			return cmd
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v: %d B per assist, %.1f goroutines per assist", got, got.PerAssist(), got.GoroutinesPerAssist())
	if got.Assists != 3 || got.Retained < 3*snap {
		t.Errorf("result %+v: want 3 assists retaining at least %d bytes", got, 3*snap)
	}
	// Every assist holds two channels: the server runs goroutines for
	// them, and their state takes memory.
	if got.GoroutinesPerAssist() < 2 {
		t.Errorf("%.1f goroutines per assist, want at least 2", got.GoroutinesPerAssist())
	}
	if got.After.Go() <= got.Before.Go() || got.After.RSS == 0 {
		t.Errorf("memory before %v, after %v: want growth and an RSS", got.Before, got.After)
	}
}

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, v := range n {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	tests := []struct {
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{ms(5), 0.5, 5 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.99, 4 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.9, 9 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(tt.sorted, tt.q); got != tt.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.q, got, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{9, 1, 5}, 5},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		if got := median(tt.xs); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
}

func TestPayloads(t *testing.T) {
	for _, size := range []int{512, 1024, 4096} {
		if got := len(EventPayload(size)); got != size {
			t.Errorf("EventPayload(%d) has %d bytes", size, got)
		}
		if got := len(SnapshotPayload(size)); got != size {
			t.Errorf("SnapshotPayload(%d) has %d bytes", size, got)
		}
	}
	sent := 1234567 * time.Microsecond
	var reused []byte
	for _, prefix := range []string{"", "left over"} {
		reused = append(reused[:0], prefix...)[:0]
		payload := appendTimedPayload(reused, 512, sent)
		if len(payload) != 512 || !json.Valid(payload) {
			t.Errorf("timed payload has %d bytes (want 512), valid JSON %v", len(payload), json.Valid(payload))
		}
		frame := append([]byte(`{"k":"ev","s":3}`+"\n"), payload...)
		if got, ok := sentTime(frame); !ok || got != sent || !isEv(frame) {
			t.Errorf("sentTime = %v, %v; isEv %v; want %v", got, ok, isEv(frame), sent)
		}
	}
}

func startServer(t *testing.T, disableRecording bool) *Server {
	t.Helper()
	srv, err := StartServer(context.Background(), ServerOptions{DisableRecording: disableRecording})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return srv
}
