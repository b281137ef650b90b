// Package clustertest runs Tandem as several real node processes (`tandem
// serve`, built once per test binary) on 127.0.0.1, on one PostgreSQL, one
// NATS server and one S3-compatible server, behind two small round-robin
// TCP balancers (HTTP and SSH) that skip nodes that are down or not ready.
// Tests kill nodes (SIGKILL), stop them (SIGTERM, the drain) and restart
// them on the same ports, and watch what clients see through the balancers.
//
// A package that uses it runs its tests through Main, from its TestMain.
package clustertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/natstest"
	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/s3test"
)

// build is the tandem binary of the test process, built by the first
// cluster and reused by the others. It is package state because its
// lifetime is the test binary's: Main removes it at the end.
var build struct {
	mu   sync.Mutex
	dir  string // set by Main
	path string // the binary, once built
	err  error  // why the build failed; later clusters fail the same way
}

// Main runs a package's tests (call it from TestMain), then removes the
// tandem binary they built and exits with their status.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "tandem-clustertest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "clustertest:", err)
		os.Exit(1)
	}
	build.mu.Lock()
	build.dir = dir
	build.mu.Unlock()
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Binary returns the path of the tandem binary, building it on first use
// (go build ./cmd/tandem of this module).
func Binary(t testing.TB) string {
	t.Helper()
	build.mu.Lock()
	defer build.mu.Unlock()
	if build.dir == "" {
		t.Fatal("clustertest: run the package's tests through clustertest.Main(m) in its TestMain")
	}
	if build.path == "" && build.err == nil {
		build.path, build.err = goBuild(build.dir)
	}
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// goBuild builds cmd/tandem of the module this package belongs to into dir.
func goBuild(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "tandem")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/tandem")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("clustertest: go build ./cmd/tandem: %v\n%s", err, b)
	}
	return out, nil
}

// moduleRoot is the directory of go.mod, found from the test's working
// directory (its package directory) upwards.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("clustertest: go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("clustertest: not inside the module")
	}
	return filepath.Dir(mod), nil
}

// Options shape a cluster; zero values take the defaults.
type Options struct {
	// Nodes is how many nodes run (default 3), named A, B, C, ...
	Nodes int
	// LeaseTTL is each node's --lease-ttl (default 3s): the bound on how
	// long a killed node's sessions wait for another node.
	LeaseTTL time.Duration
	// Grace is each node's --grace (default 20s): how long a session waits
	// for a dropped client to come back.
	Grace time.Duration
	// Args are extra `tandem serve` flags for every node.
	Args []string
	// Ready bounds how long a node may take to answer /readyz at start
	// (default 60s).
	Ready time.Duration
}

func (o *Options) defaults() {
	if o.Nodes == 0 {
		o.Nodes = 3
	}
	if o.LeaseTTL == 0 {
		o.LeaseTTL = 3 * time.Second
	}
	if o.Grace == 0 {
		o.Grace = 20 * time.Second
	}
	if o.Ready == 0 {
		o.Ready = 60 * time.Second
	}
}

// Cluster is the shared services, the nodes and the balancers of one test.
type Cluster struct {
	t     testing.TB
	opts  Options
	dir   string
	admin admin

	// Bin is the tandem binary the nodes run.
	Bin string
	// StoreURL, BlobsURL and BusURL are what every node is given.
	StoreURL, BlobsURL, BusURL string
	// SecretsFile is the one secrets file every node shares.
	SecretsFile string
	// HTTP balances the nodes' HTTP ports: its URL is the public URL.
	HTTP *Balancer
	// SSH balances the nodes' SSH relays.
	SSH *Balancer
	// Nodes are the nodes, A first.
	Nodes []*Node
}

// New starts the services, the balancers and the nodes, and returns when
// every node is ready. Everything is stopped when t ends; the nodes' logs
// are printed if t failed.
func New(t testing.TB, opts Options) *Cluster {
	t.Helper()
	opts.defaults()
	c := &Cluster{t: t, opts: opts, dir: t.TempDir(), Bin: Binary(t)}
	c.StoreURL = postgresURL(t)
	c.BlobsURL = s3test.URL(t)
	c.BusURL = natstest.URL(t)
	c.SecretsFile = filepath.Join(c.dir, "secrets.pem")
	if out, err := c.CLI(context.Background(), nil, "secrets", "generate", "--out", c.SecretsFile); err != nil {
		t.Fatalf("clustertest: tandem secrets generate: %v\n%s", err, out)
	}
	// One migration run before the nodes start: they would serialise on
	// the store's lock anyway, each waiting its turn against its deadline.
	if out, err := c.CLI(context.Background(), nil, "migrate", "--store", c.StoreURL, "--blobs", c.BlobsURL); err != nil {
		t.Fatalf("clustertest: tandem migrate: %v\n%s", err, out)
	}

	for i := 0; i < opts.Nodes; i++ {
		c.Nodes = append(c.Nodes, &Node{
			c: c, Name: string(rune('A' + i)),
			Addr: freeAddr(t), SSHAddr: freeAddr(t),
		})
	}
	c.HTTP = newBalancer(t, "http", c.Nodes, func(n *Node) string { return n.Addr })
	c.SSH = newBalancer(t, "ssh", c.Nodes, func(n *Node) string { return n.SSHAddr })
	for _, n := range c.Nodes {
		n.init()
	}
	t.Cleanup(func() {
		// Before the services' cleanups (registered earlier, run later).
		for _, n := range c.Nodes {
			n.killQuietly()
		}
		if t.Failed() {
			for _, n := range c.Nodes {
				n.printLog()
			}
		}
	})

	var wg sync.WaitGroup
	errs := make([]error, len(c.Nodes))
	for i, n := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = n.start()
			if errs[i] == nil {
				errs[i] = n.waitReady(context.Background(), opts.Ready)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c.HTTP.start()
	c.SSH.start()
	if err := c.HTTP.WaitReady(context.Background(), c.Nodes...); err != nil {
		t.Fatal(err)
	}
	return c
}

// PublicURL is the URL people and agents use: the HTTP balancer's.
func (c *Cluster) PublicURL() string { return c.HTTP.URL() }

// LeaseTTL is the nodes' --lease-ttl.
func (c *Cluster) LeaseTTL() time.Duration { return c.opts.LeaseTTL }

// Node returns the node of that name ("A", "B", ...).
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	c.t.Fatalf("clustertest: no node %s", name)
	return nil
}

// postgresURL is a fresh database: on the server TANDEM_TEST_POSTGRES
// names, else on a server of this test's own.
func postgresURL(t testing.TB) string {
	if os.Getenv(pgtest.EnvURL) != "" {
		return pgtest.URL(t)
	}
	return pgtest.Start(t).URL()
}

// freeAddr is a 127.0.0.1 address with a port nothing listens on now. The
// port is chosen once so that a restarted node comes back on it.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// ready reports whether a node at addr answers /readyz with 200. The
// request's connection is not kept: a node that dies must not leave a dead
// one behind.
func ready(ctx context.Context, addr string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/readyz", nil)
	if err != nil {
		return false
	}
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
