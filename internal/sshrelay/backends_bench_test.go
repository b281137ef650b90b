package sshrelay_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/backendtest"
)

// BenchmarkSessionBackends measures one terminal session through the relay
// on each pair of backends in the same run — SQLite and a directory, then
// PostgreSQL and S3-compatible storage — and reports the second as ratios
// to the first: the keystroke echo's p99 and the throughput of a `cat` of
// TANDEM_BENCH_MB (100) MB, both recorded.
//
//	go test ./internal/sshrelay -run '^$' -bench SessionBackends -benchtime 3x
func BenchmarkSessionBackends(b *testing.B) {
	type figures struct {
		echo  []time.Duration
		bytes int64
		took  time.Duration
	}
	measure := func(kind string) figures {
		b.Setenv(backendtest.Env, kind)
		s := newBenchSetup(b)
		path, _ := bulkFile(b, s.env.dir)
		var f figures
		for range b.N {
			t := startTerm(b, s.relay, 80, 24)
			t.await(b, "$")
			time.Sleep(100 * time.Millisecond) // let the greeting settle
			base := t.xs.Load()
			for k := int64(1); k <= 300; k++ {
				start := time.Now()
				t.pty.Write([]byte("x"))
				for t.xs.Load() < base+k {
					<-t.wake
				}
				f.echo = append(f.echo, time.Since(start))
				if k%70 == 0 {
					t.pty.Write([]byte{0x15}) // ^U: keep the line short
				}
			}
			t.pty.Write([]byte{0x15, '\r'})
			t.await(b, "$")
			before := t.total.Load()
			start := time.Now()
			fmt.Fprintf(t.pty, "cat %s; echo END$((1+1))\r", path)
			t.await(b, "END2")
			f.took += time.Since(start)
			f.bytes += t.total.Load() - before
			t.cmd.Process.Kill()
		}
		return f
	}
	p99 := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[int(float64(len(d)-1)*0.99)].Microseconds())
	}
	mbps := func(f figures) float64 { return float64(f.bytes) / f.took.Seconds() / 1e6 }
	embedded := measure(backendtest.Embedded)
	servers := measure(backendtest.Servers)
	b.ReportMetric(p99(embedded.echo), "sqlite-echo-p99-µs")
	b.ReportMetric(p99(servers.echo), "postgres-echo-p99-µs")
	b.ReportMetric(p99(servers.echo)/p99(embedded.echo), "echo-p99-ratio")
	b.ReportMetric(mbps(embedded), "sqlite-MB/s")
	b.ReportMetric(mbps(servers), "postgres-MB/s")
	b.ReportMetric(mbps(servers)/mbps(embedded), "throughput-ratio")
	b.ReportMetric(float64(servers.bytes)/float64(embedded.bytes), "bytes-delivered-ratio")
}
