package sshrelay_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/sshrelay/wire"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// TestMain lets BenchmarkSessions run the relay in a process of its own
// (this test binary, re-executed), so that its memory and CPU are measured
// apart from the thousand clients the benchmark runs.
func TestMain(m *testing.M) {
	if dir := os.Getenv("TANDEM_BENCH_SERVE"); dir != "" {
		if err := serveForBenchmark(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	// The tests' PostgreSQL, when they run on it and started one, stops
	// with them.
	pgtest.Main(m)
}

func serveForBenchmark(dir string) error {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "tandem.db"))
	if err != nil {
		return err
	}
	bl, err := dirblobs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		return err
	}
	srv, err := sshrelay.New(sshrelay.Config{
		Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "host_key"), Store: db, Blobs: bl,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	fmt.Println(srv.Addr())
	go srv.Serve(ctx)
	// Until the benchmark closes our stdin.
	bufio.NewReader(os.Stdin).ReadString('\n')
	return srv.Close(ctx)
}

// procStat returns a process's resident memory (bytes) and CPU time.
func procStat(pid int) (rss int64, cpu time.Duration) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			rss = kb << 10
		}
	}
	st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	stt, _ := strconv.ParseInt(f[12], 10, 64)
	return rss, time.Duration(ut+stt) * 10 * time.Millisecond // USER_HZ is 100
}

// fakeHost speaks the host's side of the protocol without a PTY, so that
// hundreds of them cost the benchmark little.
type fakeHost struct {
	conn ssh.Conn
	term ssh.Channel
	id   string
}

func newFakeHost(b *testing.B, addr string, helperKey string) *fakeHost {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(priv)
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User: wire.HostUser, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		b.Fatal(err)
	}
	req, _ := json.Marshal(wire.ShareRequest{Version: wire.Version, HostName: "bench", Command: "sh", Cols: 80, Rows: 24, AuthorizedKeys: []string{helperKey}})
	ok, payload, err := c.SendRequest(wire.RequestShare, true, req)
	var rep wire.ShareReply
	json.Unmarshal(payload, &rep)
	if err != nil || !ok {
		b.Fatalf("share: %v %s", err, rep.Error)
	}
	ch, reqs, err := c.OpenChannel(wire.ChannelTerminal, []byte(rep.SessionID))
	if err != nil {
		b.Fatal(err)
	}
	go ssh.DiscardRequests(reqs)
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := ch.Read(buf); err != nil {
				return
			}
		}
	}()
	ch.Write([]byte("$ "))
	return &fakeHost{conn: c.Conn, term: ch, id: rep.SessionID}
}

// benchHelper is an SSH helper joined with a PTY request, reading output.
type benchHelper struct {
	read atomic.Int64
	c    *ssh.Client
}

func newBenchHelper(b *testing.B, addr, id string, signer ssh.Signer) *benchHelper {
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User: id, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		b.Fatal(err)
	}
	ch, reqs, err := c.OpenChannel("session", nil)
	if err != nil {
		b.Fatal(err)
	}
	go ssh.DiscardRequests(reqs)
	ch.SendRequest("pty-req", true, ssh.Marshal(&wire.PtyRequest{Term: "xterm", Cols: 80, Rows: 24}))
	ch.SendRequest("shell", true, nil)
	h := &benchHelper{c: c}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := ch.Read(buf)
			h.read.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	return h
}

// BenchmarkSessions measures the relay, in its own process, with 500 idle
// hosts and 2 helpers each (memory per session), then with 50 of the hosts
// sending output flat out (throughput and CPU on this machine's cores).
func BenchmarkSessions(b *testing.B) {
	const hosts, busy = 500, 50
	dir := b.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TANDEM_BENCH_SERVE="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	addr = strings.TrimSpace(addr)
	time.Sleep(300 * time.Millisecond)
	baseRSS, _ := procStat(cmd.Process.Pid)

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(priv)
	helperKey := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))

	hs := make([]*fakeHost, hosts)
	helpers := make([]*benchHelper, 0, 2*hosts)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range hs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			hs[i] = newFakeHost(b, addr, helperKey)
			a, c := newBenchHelper(b, addr, hs[i].id, signer), newBenchHelper(b, addr, hs[i].id, signer)
			mu.Lock()
			helpers = append(helpers, a, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, h := range helpers {
		for h.read.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(time.Second)
	idleRSS, _ := procStat(cmd.Process.Pid)

	line := []byte(strings.Repeat("2026-11-23 12:00:00 INFO busy terminal output line with some text\r\n", 60))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var before int64
		for _, h := range helpers {
			before += h.read.Load()
		}
		_, cpu0 := procStat(cmd.Process.Pid)
		start := time.Now()
		var sent atomic.Int64
		var wg sync.WaitGroup
		for _, h := range hs[:busy] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Since(start) < 3*time.Second {
					n, err := h.term.Write(line)
					if err != nil {
						return
					}
					sent.Add(int64(n))
				}
			}()
		}
		wg.Wait()
		took := time.Since(start)
		_, cpu1 := procStat(cmd.Process.Pid)
		var after int64
		for _, h := range helpers {
			after += h.read.Load()
		}
		b.ReportMetric(float64(sent.Load())/took.Seconds()/1e6, "in-MB/s")
		b.ReportMetric(float64(after-before)/took.Seconds()/1e6, "out-MB/s")
		b.ReportMetric(100*(cpu1-cpu0).Seconds()/took.Seconds(), "server-CPU-%")
	}
	b.StopTimer()
	// Reported after the timed loop: ResetTimer drops metrics.
	b.ReportMetric(float64(idleRSS-baseRSS)/hosts/1024, "KiB/session")
	b.ReportMetric(float64(idleRSS)/(1<<20), "idle-RSS-MiB")
	busyRSS, _ := procStat(cmd.Process.Pid)
	b.ReportMetric(float64(busyRSS)/(1<<20), "busy-RSS-MiB")
	for _, h := range hs {
		h.conn.Close()
	}
}
