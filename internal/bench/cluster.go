package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tandemhq/tandem/internal/backend"
)

// StartCluster starts n servers in this process as the nodes of one
// installation: one store, one blob storage and one bus (opts'; without a
// store, an SQLite file and a directory that every node shares, and the
// local bus, which then reaches only its own node). The first node seeds
// the site and the agent; each node's Target names its own URL. Close
// every node to stop them.
func StartCluster(ctx context.Context, n int, opts ServerOptions) ([]*Server, error) {
	if n < 1 {
		return nil, fmt.Errorf("a cluster needs at least one node, not %d", n)
	}
	var shared string
	if opts.StoreURL == "" || opts.BlobsURL == "" {
		dir, err := os.MkdirTemp("", "tandem-bench-cluster-")
		if err != nil {
			return nil, fmt.Errorf("shared data dir: %w", err)
		}
		shared = dir
		if opts.StoreURL == "" {
			opts.StoreURL = backend.SQLiteURL(filepath.Join(dir, "tandem.db"))
		}
		if opts.BlobsURL == "" {
			opts.BlobsURL = backend.FileURL(filepath.Join(dir, "blobs"))
		}
	}
	var nodes []*Server
	fail := func(err error) ([]*Server, error) {
		CloseCluster(nodes)
		if shared != "" {
			_ = os.RemoveAll(shared)
		}
		return nil, err
	}
	for i := range n {
		s, err := startNode(ctx, opts, i == 0)
		if err != nil {
			return fail(fmt.Errorf("node %d: %w", i+1, err))
		}
		if i > 0 {
			s.Target = nodes[0].Target
			s.Target.URL = s.URL()
		}
		nodes = append(nodes, s)
	}
	if shared != "" {
		nodes[0].shared = shared
	}
	return nodes, nil
}

// CloseCluster stops the nodes of StartCluster, all at once.
func CloseCluster(nodes []*Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, s := range nodes {
		wg.Go(func() { errs[i] = s.Close(ctx) })
	}
	wg.Wait()
	if len(nodes) > 0 && nodes[0].shared != "" {
		errs = append(errs, os.RemoveAll(nodes[0].shared))
	}
	return errors.Join(errs...)
}

// MeasureAggregate measures the relayed events per second of the whole
// cluster: streams fan-outs run at once, the i-th on node i mod len(nodes)
// (its person and its readers on the node that owns its assist), each
// sending opts.Events. The figure is every event received by every reader
// over the time the slowest stream took.
func MeasureAggregate(ctx context.Context, nodes []*Server, streams int, opts RelayOptions) (float64, error) {
	opts.setDefaults()
	openers := make([]*Opener, len(nodes))
	for i, s := range nodes {
		o, err := NewOpener(ctx, s.Target)
		if err != nil {
			return 0, err
		}
		openers[i] = o
	}
	fs := make([]*fanout, streams)
	defer func() {
		for _, f := range fs {
			if f != nil {
				f.close(ctx)
			}
		}
	}()
	for i := range fs {
		f, err := openTandem(ctx, openers[i%len(openers)], opts.Readers, opts.Compress)
		if err != nil {
			return 0, fmt.Errorf("stream %d: %w", i, err)
		}
		fs[i] = f
	}
	results := make([]RelayResult, streams)
	errs := make([]error, streams)
	var wg sync.WaitGroup
	start := time.Now()
	for i, f := range fs {
		wg.Go(func() { results[i], errs[i] = measure(ctx, f, opts) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	var events int
	for _, r := range results {
		events += r.Events * r.Readers
	}
	return float64(events) / elapsed.Seconds(), nil
}
