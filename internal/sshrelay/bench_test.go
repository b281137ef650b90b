package sshrelay_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
)

// The benchmarks compare the relay with plain ssh to a local sshd doing the
// same work in the same run, and measure how sessions scale:
//
//	go test ./internal/sshrelay -run '^$' -bench . -benchtime 3x
//
// TANDEM_BENCH_MB sets the size of the bulk output (default 100).

// startSSHD runs OpenSSH's sshd on 127.0.0.1 with a temporary config that
// lets key logs in as the current user, and returns its port.
func startSSHD(b *testing.B, dir string, key testKey) string {
	b.Helper()
	if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
		b.Fatal("sshd is needed for the comparison: apt-get install -y openssh-server")
	}
	// sshd insists on its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		b.Fatal(err)
	}
	hostKey := filepath.Join(dir, "sshd_host_key")
	writeKey(b, hostKey)
	auth := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(auth, []byte(key.authorized+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	port := strconv.Itoa(freePort(b))
	conf := filepath.Join(dir, "sshd_config")
	os.WriteFile(conf, []byte(strings.Join([]string{
		"ListenAddress 127.0.0.1", "Port " + port, "HostKey " + hostKey, "AuthorizedKeysFile " + auth,
		"PidFile " + filepath.Join(dir, "sshd.pid"), "StrictModes no", "UsePAM no", "PermitRootLogin yes",
		"PasswordAuthentication no", "KbdInteractiveAuthentication no", "PrintMotd no", "PrintLastLog no",
		"LogLevel ERROR", "",
	}, "\n")), 0o600)
	cmd := exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", conf)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			return port
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatal("sshd did not start")
	return ""
}

func writeKey(b *testing.B, path string) {
	env := &testEnv{t: b, dir: filepath.Dir(path)}
	k := env.key(filepath.Base(path) + "-gen")
	if err := os.Rename(k.path, path); err != nil {
		b.Fatal(err)
	}
}

// term is an interactive ssh -tt on a PTY the benchmark reads.
type term struct {
	cmd   *exec.Cmd
	pty   *os.File
	mu    sync.Mutex
	tail  []byte
	total atomic.Int64
	xs    atomic.Int64 // 'x' bytes seen, for the echo benchmark
	wake  chan struct{}
}

func startTerm(b *testing.B, args []string, cols, rows int) *term {
	b.Helper()
	cmd := exec.Command("ssh", args...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		b.Fatal(err)
	}
	t := &term{cmd: cmd, pty: f, wake: make(chan struct{}, 1)}
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := f.Read(buf)
			if n > 0 {
				t.total.Add(int64(n))
				t.xs.Add(int64(bytes.Count(buf[:n], []byte("x"))))
				t.mu.Lock()
				t.tail = append(t.tail, buf[:n]...)
				if len(t.tail) > 256 {
					t.tail = append(t.tail[:0], t.tail[len(t.tail)-256:]...)
				}
				t.mu.Unlock()
				select {
				case t.wake <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); f.Close() })
	return t
}

// await waits until the recent output contains s, then forgets it.
func (t *term) await(b *testing.B, s string) {
	deadline := time.After(5 * time.Minute)
	for {
		t.mu.Lock()
		i := bytes.Index(t.tail, []byte(s))
		if i >= 0 {
			t.tail = t.tail[:0]
		}
		t.mu.Unlock()
		if i >= 0 {
			return
		}
		select {
		case <-t.wake:
		case <-deadline:
			b.Fatalf("no %q", s)
		}
	}
}

// benchSetup is a relay with a host sharing /bin/sh, and sshd, side by side.
type benchSetup struct {
	env    *testEnv
	host   *host
	relay  []string // ssh args to join the relay
	direct []string // ssh args to log in to sshd
}

func newBenchSetup(b *testing.B) *benchSetup {
	b.Helper()
	// The server's default liveness: the tests' 300 ms would take a host
	// slowed by a loaded machine for gone.
	e := newEnv(b, func(c *sshrelay.Config) { c.LivenessInterval = 10 * time.Second })
	k := e.key("bench")
	h := e.share(func(c *share.Config) {
		c.AuthorizedKeys = []string{k.authorized}
		c.Env = append(c.Env, "PS1=$ ")
	})
	port := startSSHD(b, e.dir, k)
	return &benchSetup{
		env:    e,
		host:   h,
		relay:  sshArgs(e.port, k, "-tt", h.ID+"@127.0.0.1"),
		direct: sshArgs(port, k, "-tt", "-o", "LogLevel=ERROR", "root@127.0.0.1", "env PS1='$ ' /bin/sh"),
	}
}

// bulkFile writes the bulk output: log lines with random request ids
// (TANDEM_BENCH_CONTENT=log, the default; compresses like real output) or
// random base64 (=random; the worst case for the recording's compression).
func bulkFile(b *testing.B, dir string) (string, int) {
	mb := 100
	if v, err := strconv.Atoi(os.Getenv("TANDEM_BENCH_MB")); err == nil && v > 0 {
		mb = v
	}
	path := filepath.Join(dir, "bulk.txt")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	random := os.Getenv("TANDEM_BENCH_CONTENT") == "random"
	raw := make([]byte, 57)
	line := make([]byte, 77)
	for n, i := 0, 0; n < mb<<20; i++ {
		rand.Read(raw)
		if random {
			base64.StdEncoding.Encode(line, raw)
			line[76] = '\n'
			w.Write(line)
			n += len(line)
			continue
		}
		l := fmt.Sprintf("2026-11-23T12:%02d:%02d.%03dZ INFO http request method=GET path=/api/v1/items/%d status=200 id=%x took=%dms\n",
			i/60000%60, i/1000%60, i%1000, i%9973, raw[:8], i%97)
		w.WriteString(l)
		n += len(l)
	}
	w.Flush()
	f.Close()
	st, _ := os.Stat(path)
	return path, int(st.Size())
}

// BenchmarkThroughput times `cat` of a bulk file shown to one helper,
// through the relay and through plain ssh, in the same run.
func BenchmarkThroughput(b *testing.B) {
	s := newBenchSetup(b)
	path, _ := bulkFile(b, s.env.dir)
	var direct, relay time.Duration
	var relayBytes, directBytes int64
	for i := 0; i < b.N; i++ {
		for _, side := range []struct {
			args  []string
			took  *time.Duration
			bytes *int64
		}{{s.direct, &direct, &directBytes}, {s.relay, &relay, &relayBytes}} {
			t := startTerm(b, side.args, 80, 24)
			t.pty.Write([]byte("\r"))
			t.await(b, "$")
			before := t.total.Load()
			start := time.Now()
			fmt.Fprintf(t.pty, "cat %s; echo END$((1+1))\r", path)
			t.await(b, "END2")
			*side.took += time.Since(start)
			*side.bytes += t.total.Load() - before
			t.cmd.Process.Kill()
		}
	}
	// Throughput is what each helper received, not the file's size: a
	// helper skipped ahead would otherwise look fast.
	mbps := func(n int64, d time.Duration) float64 { return float64(n) / d.Seconds() / 1e6 }
	b.ReportMetric(mbps(directBytes, direct), "direct-MB/s")
	b.ReportMetric(mbps(relayBytes, relay), "relay-MB/s")
	b.ReportMetric(mbps(relayBytes, relay)/mbps(directBytes, direct), "relay/direct")
	b.ReportMetric(float64(relayBytes)/float64(directBytes), "bytes-delivered-ratio")
}

// BenchmarkEchoLatency types one key at a time and waits for its echo,
// through the relay and through plain ssh, in the same run.
func BenchmarkEchoLatency(b *testing.B) {
	s := newBenchSetup(b)
	const keys = 300
	var direct, relay []time.Duration
	for i := 0; i < b.N; i++ {
		for _, side := range []struct {
			args []string
			into *[]time.Duration
		}{{s.direct, &direct}, {s.relay, &relay}} {
			t := startTerm(b, side.args, 80, 24)
			t.await(b, "$")
			time.Sleep(100 * time.Millisecond) // let the greeting settle
			base := t.xs.Load()
			for k := int64(1); k <= keys; k++ {
				start := time.Now()
				t.pty.Write([]byte("x"))
				for t.xs.Load() < base+k {
					<-t.wake
				}
				*side.into = append(*side.into, time.Since(start))
				if k%70 == 0 {
					t.pty.Write([]byte{0x15}) // ^U: keep the line short
				}
			}
			t.cmd.Process.Kill()
		}
	}
	pct := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[int(float64(len(d)-1)*p)].Microseconds())
	}
	b.ReportMetric(pct(direct, 0.5), "direct-p50-µs")
	b.ReportMetric(pct(direct, 0.99), "direct-p99-µs")
	b.ReportMetric(pct(relay, 0.5), "relay-p50-µs")
	b.ReportMetric(pct(relay, 0.99), "relay-p99-µs")
	b.ReportMetric(pct(relay, 0.99)-pct(direct, 0.99), "added-p99-µs")
}
