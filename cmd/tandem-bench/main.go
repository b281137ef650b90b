// Command tandem-bench measures Tandem's web assistance: fan-out throughput
// against a bare WebSocket relay, person-to-agent latency under many live
// assists, and the memory of an idle live assist. docs/performance.md
// explains each measurement and records the results.
package main

import "github.com/tandemhq/tandem/internal/cli"

func main() {
	cli.Program{Name: "tandem-bench", Commands: []cli.Command{
		{Name: "relay", Summary: "fan-out events/s of Tandem against a bare WebSocket relay", Run: runRelay},
		{Name: "latency", Summary: "person-to-agent latency at levels of concurrent live assists", Run: runLatency},
		{Name: "cluster", Summary: "several nodes: latency through another node, aggregate events/s with 1..N nodes", Run: runCluster},
		{Name: "memory", Summary: "server memory per idle live assist", Run: runMemory},
		{Name: "memory-client", Summary: "(internal) the client process of the memory measurement", Run: runMemoryClient},
	}}.Main()
}
