package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"go/build"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// InstallCommand installs the server the tests run against.
const InstallCommand = "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// wrapper runs versitygw under sh so that the server dies with the test
// process however that ends: the kernel sends sh SIGTERM when the test
// process dies (Pdeathsig), and sh stops versitygw and removes
// $S3TEST_REMOVE (the shared server's directory) before it exits. The trap
// is set before versitygw starts, so no signal comes too early for it.
const wrapper = `
trap '[ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null; wait "$pid"; }; [ -z "$S3TEST_REMOVE" ] || rm -rf "$S3TEST_REMOVE"; exit 0' TERM INT HUP
"$@" &
pid=$!
wait "$pid"
status=$?
[ -z "$S3TEST_REMOVE" ] || rm -rf "$S3TEST_REMOVE"
exit $status
`

// startTimeout bounds how long a starting server may take to answer.
const startTimeout = 30 * time.Second

// Server is a versitygw process on 127.0.0.1 that a test may stop and start
// again on the same port, with its buckets kept.
type Server struct {
	endpoint
	t      testing.TB
	root   string // iam/ and data/
	remove bool   // remove root when the process ends (the shared server)

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one run of the wrapper.
type process struct {
	cmd    *exec.Cmd
	out    bytes.Buffer // read only after exited is closed
	exited chan struct{}
	err    error
}

// Start starts a versitygw of the test's own, stopped when the test ends.
// A missing binary fails the test with the command that installs it.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := newServer(t.TempDir(), false)
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	s.t = t
	t.Cleanup(s.Stop)
	if err := s.startOnFreePort(); err != nil {
		t.Fatalf("s3test: %v", err)
	}
	return s
}

// URL creates a fresh empty bucket on the server and returns its s3:// URL.
// Call it from the test's goroutine: it fails the test on error.
func (s *Server) URL() string {
	s.t.Helper()
	// The bucket goes with the test's temporary directory.
	return s.newBucket(s.t, false)
}

// Endpoint returns the server's http:// address.
func (s *Server) Endpoint() string { return s.url }

// Stop ends the server and waits until it has; its buckets stay on disk.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	s.proc.stop()
	s.proc = nil
}

// Start starts a stopped server again on the same port. It fails the test
// if the server does not come up (say the port was taken meanwhile).
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return
	}
	p, err := s.launch()
	if err != nil {
		s.t.Fatalf("s3test: restarting versitygw on %s: %v", s.url, err)
	}
	s.proc = p
}

func newServer(root string, remove bool) (*Server, error) {
	for _, d := range []string{"iam", "data"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return nil, err
		}
	}
	return &Server{endpoint: endpoint{access: "tandem" + randomHex(6), secret: randomHex(20)}, root: root, remove: remove}, nil
}

// startOnFreePort picks a free port and starts the server on it; another
// process may take the port between the pick and the bind, so a server
// that cannot bind is tried again on another port.
func (s *Server) startOnFreePort() error {
	var err error
	for range 5 {
		var port int
		if port, err = freePort(); err != nil {
			return err
		}
		if err = s.setURL(fmt.Sprintf("http://127.0.0.1:%d", port)); err != nil {
			return err
		}
		s.mu.Lock()
		s.proc, err = s.launch()
		s.mu.Unlock()
		if err == nil {
			return nil
		}
	}
	return err
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// launch starts the process and waits until it answers an authenticated
// request, which also tells it from another server that took the port.
func (s *Server) launch() (*process, error) {
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	addr := s.url[len("http://"):]
	p := &process{exited: make(chan struct{})}
	p.cmd = exec.Command("/bin/sh", "-c", wrapper, "versitygw-wrapper",
		bin, "--port", addr, "--iam-dir", filepath.Join(s.root, "iam"), "--quiet", "--keep-alive",
		"posix", filepath.Join(s.root, "data"))
	remove := ""
	if s.remove {
		remove = s.root
	}
	// Credentials go in the environment, not in arguments that ps shows.
	p.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+s.access, "ROOT_SECRET_ACCESS_KEY="+s.secret, "S3TEST_REMOVE="+remove)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that started the child ends, not
		// the process: hold this thread for as long as the child lives.
		runtime.LockOSThread()
		if err := p.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = p.cmd.Wait()
		close(p.exited)
		// Returning while locked ends the thread, after the child did.
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	if err := s.waitReady(p); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// waitReady polls the server until it answers: versitygw gives no other
// sign that it listens.
func (s *Server) waitReady(p *process) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := s.ping(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("versitygw on %s exited (%v): %s", s.url, p.err, bytes.TrimSpace(p.out.Bytes()))
		case <-ctx.Done():
			return fmt.Errorf("versitygw on %s did not answer within %s: %v", s.url, startTimeout, err)
		case <-tick.C:
		}
	}
}

// stop asks the wrapper to stop versitygw, and kills the process group if
// that takes too long.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
}

// binary finds versitygw on PATH or where go install puts it.
func binary() (string, error) {
	return findBinary(os.Getenv("GOBIN"), build.Default.GOPATH)
}

func findBinary(gobin, gopaths string) (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	dirs := []string{gobin}
	for _, gopath := range filepath.SplitList(gopaths) {
		dirs = append(dirs, filepath.Join(gopath, "bin"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("versitygw is not on PATH nor in GOPATH/bin; install it with: " + InstallCommand)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
