package bench

import (
	"context"
	"testing"
	"time"
)

// TestCluster runs the cluster measurements at tiny sizes: agents on
// another node than the owner get every frame (through the owner), and
// streams spread over two nodes relay every event.
func TestCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	nodes, err := StartCluster(ctx, 2, ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := CloseCluster(nodes); err != nil {
			t.Errorf("close cluster: %v", err)
		}
	})
	if nodes[0].Target.URL == nodes[1].Target.URL || nodes[1].Target.SiteKey != nodes[0].Target.SiteKey {
		t.Fatalf("targets %+v and %+v: want one site on two URLs", nodes[0].Target, nodes[1].Target)
	}
	cross := nodes[0].Target
	cross.AgentURL = nodes[1].Target.URL
	res, err := MeasureLatency(ctx, cross, LatencyOptions{
		Levels: []int{3}, Interval: 50 * time.Millisecond, Settle: 10 * time.Millisecond,
		Warmup: 100 * time.Millisecond, Duration: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Sent == 0 || r.Samples != r.Sent {
		t.Errorf("through another node: %d of %d frames received, want all", r.Samples, r.Sent)
	}
	rate, err := MeasureAggregate(ctx, nodes, 2, RelayOptions{Events: 200, Window: 32})
	if err != nil {
		t.Fatal(err)
	}
	if rate <= 0 {
		t.Errorf("aggregate rate %v, want > 0", rate)
	}
}
