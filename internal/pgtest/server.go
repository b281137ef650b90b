package pgtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// installHint is what to do when PostgreSQL's binaries are missing.
const installHint = "install PostgreSQL: apt-get install -y postgresql (as root), or set TANDEM_TEST_POSTGRES to the URL of a server whose user may CREATE DATABASE"

// How long a server may take to start or stop before the test fails.
const (
	startTimeout = 2 * time.Minute
	stopTimeout  = time.Minute
)

// server is one PostgreSQL postmaster in a temporary directory, run as a
// child of the test process. It listens on 127.0.0.1 with trust
// authentication for the user postgres.
type server struct {
	dir  string // temporary; data/ and the socket are in it
	bin  string // directory of initdb and postgres
	port int
	cred *syscall.Credential // the postgres user's when the test runs as root

	mu   sync.Mutex
	proc *exec.Cmd
	done <-chan error // receives the postmaster's exit
	log  *tail
}

// newServer makes a data directory with initdb and starts a server on it.
func newServer() (*server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	s := &server{bin: bin}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root.
		if s.cred, err = postgresUser(); err != nil {
			return nil, err
		}
	}
	if s.dir, err = os.MkdirTemp("", "tandem-pgtest-"); err != nil {
		return nil, fmt.Errorf("postgres test server: %w", err)
	}
	if err := s.initdb(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	if err := s.start(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	return s, nil
}

// binDir returns the directory of Debian's newest PostgreSQL binaries, or
// that of postgres on PATH.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "postgres")) && isExec(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries (postgres, initdb) under /usr/lib/postgresql/*/bin or on PATH; " + installHint)
}

// majorOf returns the version in /usr/lib/postgresql/VERSION/bin, 0 if none.
func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// postgresUser returns the credentials of the postgres system user, which
// the server runs as when the test runs as root.
func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, the test server must run as the postgres user: %w; %s", err, installHint)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("the postgres user has uid %q gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// command returns a command that runs the server binary name as the
// server's user.
func (s *server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	return cmd
}

func (s *server) dataDir() string { return filepath.Join(s.dir, "data") }

// initdb makes the data directory, owned by the server's user.
func (s *server) initdb() error {
	if s.cred != nil {
		if err := os.Chmod(s.dir, 0o755); err != nil {
			return fmt.Errorf("postgres test server: %w", err)
		}
		if err := os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return fmt.Errorf("postgres test server: %w", err)
		}
	}
	cmd := s.command("initdb", "-D", s.dataDir(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

// start starts the postmaster and returns when it accepts connections. The
// first start picks a free port; later starts keep it, so that the URLs
// handed out stay valid across a restart.
func (s *server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("postgres test server: already running")
	}
	var err error
	for range 5 {
		keep := s.port != 0
		if !keep {
			if s.port, err = freePort(); err != nil {
				return fmt.Errorf("postgres test server: %w", err)
			}
		}
		err = s.run()
		if err == nil || keep || !strings.Contains(err.Error(), "could not bind") {
			return err
		}
		s.port = 0 // taken between our check and the server's bind: try another
	}
	return err
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// run starts the postmaster on s.port and waits until its log says it is
// ready, or it exits.
func (s *server) run() error {
	cmd := s.command("postgres", "-D", s.dataDir(), "-p", strconv.Itoa(s.port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1",
		// A test's data need not survive a crash of the machine.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=32MB")
	// The postmaster goes with the test process however that ends: the
	// kernel sends it SIGQUIT (immediate shutdown) when the thread that
	// started it exits, and spawn keeps that thread for it alone.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	log := newTail(200)
	ready := make(chan struct{})
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		log.follow(stderr, "database system is ready to accept connections", ready)
	}()
	done, err := spawn(cmd)
	if err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		s.proc, s.done, s.log = cmd, done, log
		return nil
	case err := <-done:
		<-logged
		return fmt.Errorf("postgres exited before it was ready (%v):\n%s", err, log)
	case <-timer.C:
		cmd.Process.Signal(syscall.SIGQUIT)
		<-done
		return fmt.Errorf("postgres was not ready after %v:\n%s", startTimeout, log)
	}
}

// spawn starts cmd from a goroutine locked to its own OS thread, which it
// keeps until cmd exits: Pdeathsig is sent when the starting thread ends,
// and a thread shared with other goroutines may end at any time. The
// returned channel receives cmd's exit.
func spawn(cmd *exec.Cmd) (<-chan error, error) {
	started := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		// Never unlocked: the thread ends with this goroutine, after cmd.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		done <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return done, nil
}

// stop shuts the postmaster down (fast: open sessions are ended) and waits
// for it to exit.
func (s *server) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	proc, done := s.proc, s.done
	s.proc, s.done = nil, nil
	select {
	case err := <-done:
		return fmt.Errorf("postgres had exited (%v):\n%s", err, s.log)
	default:
	}
	if err := proc.Process.Signal(syscall.SIGINT); err != nil {
		return fmt.Errorf("stop postgres: %w", err)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-timer.C:
		proc.Process.Kill()
		<-done
		return fmt.Errorf("postgres did not stop within %v; killed:\n%s", stopTimeout, s.log)
	}
}

// close stops the server and removes its directory.
func (s *server) close() error {
	return errors.Join(s.stop(), os.RemoveAll(s.dir))
}

// adminURL is the URL of the server's postgres database as its superuser.
func (s *server) adminURL() string {
	return s.dbURL("postgres")
}

// dbURL is the URL of the database name on the server.
func (s *server) dbURL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

// tail keeps the last lines of a log, for error messages.
type tail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func newTail(max int) *tail { return &tail{max: max} }

// follow reads r to its end, keeping its last lines, and closes ready at
// the first line that contains marker.
func (t *tail) follow(r io.Reader, marker string, ready chan<- struct{}) {
	sc := bufio.NewScanner(r)
	seen := false
	for sc.Scan() {
		line := sc.Text()
		t.mu.Lock()
		t.lines = append(t.lines, line)
		if len(t.lines) > t.max {
			t.lines = t.lines[len(t.lines)-t.max:]
		}
		t.mu.Unlock()
		if !seen && strings.Contains(line, marker) {
			seen = true
			close(ready)
		}
	}
	io.Copy(io.Discard, r) // a line too long for the scanner: keep the pipe drained
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

// adminContext returns a context for one administrative step.
func adminContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), time.Minute)
}
