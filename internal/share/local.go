package share

import (
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/term"
)

// localTerminal is the host's own terminal: where the shared program is
// shown, and the keyboard of the person at the host.
type localTerminal struct {
	in  io.Reader
	out io.Writer
	fd  int // -1 when stdin is not a terminal

	mu      sync.Mutex // one writer at a time: output and status lines
	state   *term.State
	sigs    chan os.Signal
	stopped chan struct{}
}

func newLocalTerminal(in io.Reader, out io.Writer) *localTerminal {
	t := &localTerminal{in: in, out: out, fd: -1}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		t.fd = int(f.Fd())
	}
	return t
}

// size returns the local terminal's size, if it is one.
func (t *localTerminal) size() (cols, rows int, ok bool) {
	if t.fd < 0 {
		return 0, 0, false
	}
	c, r, err := term.GetSize(t.fd)
	return c, r, err == nil && c > 0 && r > 0
}

func (t *localTerminal) makeRaw() error {
	if t.fd < 0 {
		return nil
	}
	st, err := term.MakeRaw(t.fd)
	if err != nil {
		return err
	}
	t.state = st
	return nil
}

// onResize calls f with the new size whenever the local window changes.
func (t *localTerminal) onResize(f func(cols, rows int)) {
	if t.fd < 0 {
		return
	}
	t.sigs = make(chan os.Signal, 1)
	t.stopped = make(chan struct{})
	signal.Notify(t.sigs, syscall.SIGWINCH)
	go func() {
		for {
			select {
			case <-t.sigs:
				if c, r, ok := t.size(); ok {
					f(c, r)
				}
			case <-t.stopped:
				return
			}
		}
	}()
}

// Write writes p whole, so that status lines never split the program's
// output.
func (t *localTerminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.Write(p)
}

// restore puts the local terminal back as it was.
func (t *localTerminal) restore() {
	if t.sigs != nil {
		signal.Stop(t.sigs)
		close(t.stopped)
	}
	if t.state != nil {
		term.Restore(t.fd, t.state)
	}
}
