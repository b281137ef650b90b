package clustertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopTimeout bounds how long a node stopped with SIGTERM may take to
// drain and exit.
const stopTimeout = 60 * time.Second

// Node is one `tandem serve` process, restartable on the same ports with
// the same data directory.
type Node struct {
	c *Cluster
	// Name is the node's name in the test: A, B, C, ...
	Name string
	// Addr is its HTTP listen address and SSHAddr its SSH relay's.
	Addr, SSHAddr string

	dir     string // its data directory
	logPath string // stdout and stderr of every run, appended

	mu     sync.Mutex
	cmd    *exec.Cmd     // the running process; nil when none was started
	exited chan struct{} // closed when cmd has exited
	runs   int
}

// URL is the node's own HTTP URL (its --node-url).
func (n *Node) URL() string { return "http://" + n.Addr }

// DataDir is the node's data directory (its --data): the recording spool
// and what else a node keeps on its own disk.
func (n *Node) DataDir() string { return n.dir }

// String names the node in messages.
func (n *Node) String() string { return "node " + n.Name }

func (n *Node) init() {
	n.dir = filepath.Join(n.c.dir, "node-"+n.Name)
	n.logPath = filepath.Join(n.c.dir, "node-"+n.Name+".log")
}

// args are the node's `tandem serve` flags.
func (n *Node) args() []string {
	c := n.c
	args := []string{"serve",
		"--addr", n.Addr,
		"--ssh-addr", n.SSHAddr,
		"--store", c.StoreURL,
		"--blobs", c.BlobsURL,
		"--bus", c.BusURL,
		"--node-url", n.URL(),
		"--public-url", c.PublicURL(),
		"--secrets-file", c.SecretsFile,
		"--lease-ttl", c.opts.LeaseTTL.String(),
		"--grace", c.opts.Grace.String(),
		"--data", n.dir,
		"--demo-addr", "off",
		"--turn-addr", "off",
		"--metrics-addr", "off",
		"--log-level", "debug",
	}
	return append(args, c.opts.Args...)
}

// start starts a fresh process; it does not wait for it to be ready.
func (n *Node) start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		select {
		case <-n.exited:
		default:
			return fmt.Errorf("clustertest: %s is still running", n)
		}
	}
	if err := os.MkdirAll(n.dir, 0o700); err != nil {
		return err
	}
	log, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	n.runs++
	fmt.Fprintf(log, "\n===== %s, run %d, %s\n", n, n.runs, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(n.c.Bin, n.args()...)
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group: a signal to the test's group (Ctrl-C) is not
	// the test's kill -9 or SIGTERM.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("clustertest: start %s: %w", n, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(exited)
	}()
	n.cmd, n.exited = cmd, exited
	return nil
}

// Running reports whether the node's process is running.
func (n *Node) Running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// waitReady waits until the node answers /readyz with 200, failing early if
// its process exits.
func (n *Node) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if ready(ctx, n.Addr) {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("clustertest: %s exited while starting; its log:\n%s", n, n.logTail())
		case <-ctx.Done():
			return fmt.Errorf("clustertest: %s not ready after %v; its log:\n%s", n, timeout, n.logTail())
		case <-tick.C:
		}
	}
}

// WaitReady waits until the node answers /readyz with 200, failing the
// test after the cluster's start-up bound.
func (n *Node) WaitReady() {
	n.c.t.Helper()
	if err := n.waitReady(context.Background(), n.c.opts.Ready); err != nil {
		n.c.t.Fatal(err)
	}
}

// Kill ends the node with SIGKILL (kill -9) and returns once it has exited.
func (n *Node) Kill() {
	n.c.t.Helper()
	if err := n.signal(syscall.SIGKILL, 10*time.Second); err != nil {
		n.c.t.Fatal(err)
	}
}

// Stop sends the node SIGTERM and waits for it to exit (it drains first).
// It fails the test if the node does not exit in time or exits with an
// error.
func (n *Node) Stop() {
	n.c.t.Helper()
	if err := n.signal(syscall.SIGTERM, stopTimeout); err != nil {
		n.c.t.Fatal(err)
	}
	n.mu.Lock()
	state := n.cmd.ProcessState
	n.mu.Unlock()
	if !state.Success() {
		n.c.t.Fatalf("clustertest: %s exited after SIGTERM with %v; its log:\n%s", n, state, n.logTail())
	}
}

// Restart starts a fresh process on the same ports and data directory and
// waits until it is ready. The node must have been killed or stopped.
func (n *Node) Restart() {
	n.c.t.Helper()
	if err := n.start(); err != nil {
		n.c.t.Fatal(err)
	}
	n.WaitReady()
}

func (n *Node) signal(sig syscall.Signal, timeout time.Duration) error {
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if cmd == nil {
		return fmt.Errorf("clustertest: %s was never started", n)
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("clustertest: signal %s: %w", n, err)
	}
	select {
	case <-exited:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("clustertest: %s still running %v after %v; its log:\n%s", n, timeout, sig, n.logTail())
	}
}

// killQuietly kills the process if it runs, for the cluster's cleanup.
func (n *Node) killQuietly() {
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
}

// Log is everything the node's runs wrote.
func (n *Node) Log() string {
	b, _ := os.ReadFile(n.logPath)
	return string(b)
}

// logTail is the end of the node's log, for error messages.
func (n *Node) logTail() string {
	const max = 8 << 10
	l := n.Log()
	if len(l) > max {
		l = "…" + l[len(l)-max:]
	}
	return l
}

// printLog writes the node's whole log to the test's log.
func (n *Node) printLog() {
	n.c.t.Logf("===== log of %s (%s)\n%s", n, n.logPath, strings.TrimSpace(n.Log()))
}
