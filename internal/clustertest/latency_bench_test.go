package clustertest_test

import (
	"context"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/bench"
	"github.com/tandemhq/tandem/internal/clustertest"
)

// BenchmarkCrossNodeLatency measures person-to-agent latency at 1,000
// live assists with the nodes as their own processes: the people on the
// node that owns their assists, their agents first on that node too, then
// on another node, which forwards them. It reports both p99s and their
// ratio. The clients run in the benchmark's process.
//
//	go test ./internal/clustertest -run '^$' -bench CrossNodeLatency -benchtime 1x
func BenchmarkCrossNodeLatency(b *testing.B) {
	c := clustertest.New(b, clustertest.Options{LeaseTTL: 10 * time.Second, Grace: 30 * time.Second})
	site := c.AddSite("Latency shop")
	agent := c.AddAgent("latency@example.com", "Latency agent")
	owner, other := c.Nodes[0], c.Nodes[1]
	t := bench.Target{URL: owner.URL(), SiteKey: site.Key, Origin: site.URL, Email: agent.Email, Password: agent.Password}
	opts := bench.LatencyOptions{Levels: []int{1000}, Duration: 8 * time.Second, Log: b.Logf}
	ctx := context.Background()
	for range b.N {
		same, err := bench.MeasureLatency(ctx, t, opts)
		if err != nil {
			b.Fatal(err)
		}
		cross := t
		cross.AgentURL = other.URL()
		forwarded, err := bench.MeasureLatency(ctx, cross, opts)
		if err != nil {
			b.Fatal(err)
		}
		s, f := same[0], forwarded[0]
		b.ReportMetric(float64(s.P99)/1e6, "owner-p99-ms")
		b.ReportMetric(float64(f.P99)/1e6, "forwarded-p99-ms")
		b.ReportMetric(float64(f.P99)/float64(s.P99), "ratio")
		b.Logf("p99 agent on the owner %v (p50 %v, %d/%d frames), on another node %v (p50 %v, %d/%d frames): %.2f",
			s.P99, s.P50, s.Samples, s.Sent, f.P99, f.P50, f.Samples, f.Sent, float64(f.P99)/float64(s.P99))
	}
}
