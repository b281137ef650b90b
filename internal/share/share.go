// Package share is the host side of terminal assistance (`tandem share`):
// it connects to Tandem's SSH relay with the host's own key, registers a
// session, runs the user's shell (or a command) in a local PTY, and relays
// the PTY to the server, where helpers join with a stock ssh client. It
// also serves the forwards the host offered and asks the person at the host
// to let joiners in when they asked for that.
package share

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
	"github.com/tandemhq/tandem/internal/termscreen"
)

// Config says what to share and how.
type Config struct {
	// Server is the relay's address, HOST:PORT.
	Server string
	// KeyPath is the host's private key, generated on first use. Default:
	// DefaultDir()/host_ed25519.
	KeyPath string
	// KnownHostsPath keeps the server's host key, trusted on first use.
	// Default: DefaultDir()/known_hosts.
	KnownHostsPath string
	// Command runs in the PTY; default: $SHELL, else /bin/sh.
	Command []string
	// Env is added to the command's environment.
	Env []string
	// Dir is the command's working directory; default: the current one.
	Dir string
	// HostName names this machine to helpers; default: os.Hostname.
	HostName string
	// ReadOnly makes every helper a watcher.
	ReadOnly bool
	// Approve asks (Approver) about each joiner before they see anything.
	Approve bool
	// AllowAgents lets the server's agents join with their registered keys
	// and from the console.
	AllowAgents bool
	// AuthorizedKeys and ReadOnlyKeys are authorized_keys lines of helpers
	// who may join, and who may only watch.
	AuthorizedKeys []string
	ReadOnlyKeys   []string
	// Forwards are the addresses (PORT or HOST:PORT, seen from this host)
	// helpers may reach with ssh -L.
	Forwards []string
	// Proxy lets helpers reach any address (ssh -D) that ProxyAllow
	// matches; an empty ProxyAllow allows any.
	Proxy      bool
	ProxyAllow []string
	// RecordInput has the server keep what helpers type in the recording
	// and the audit log; off, it keeps only how much they typed.
	RecordInput bool
	// Stdin and Stdout are the local terminal. When Stdin is a terminal it
	// is put in raw mode and its size is followed.
	Stdin  io.Reader
	Stdout io.Writer
	// Cols and Rows are the size when Stdin is not a terminal (80x24).
	Cols, Rows int
	// Term is TERM for the command; default: $TERM, else xterm-256color.
	Term string
	// KeepAlive is how often the server is probed; default 15s. Three
	// unanswered intervals count as a lost connection.
	KeepAlive time.Duration
	// ResumeFor bounds how long the host tries to resume its session after
	// its connection to the server dropped, when the server did not say
	// how long it waits (wire.ShareReply.GraceMillis); default 30s.
	ResumeFor time.Duration
	// MaxBackoff bounds the wait between two tries to resume; default 30s.
	// Tries start half a second apart, double each time, with jitter.
	MaxBackoff time.Duration
	// Approver decides about a joiner. Nil asks on the local terminal.
	Approver func(ctx context.Context, j Joiner) bool
	// OnEvent is told about joins and leaves. Nil prints a status line on
	// the local terminal.
	OnEvent func(e wire.Event)
	// OnRegistered is called once the server has confirmed the session and
	// before the command starts, so that the id and join command can be
	// shown on a terminal that is not in raw mode yet.
	OnRegistered func(s *Session)
	// Dial connects to the server; default: a TCP dial.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Logger receives diagnostics; default: discarded.
	Logger *slog.Logger
}

// Joiner is someone asking to join, as the host is shown them.
type Joiner struct {
	Name        string
	Fingerprint string
	Via         string
	ReadOnly    bool
}

// DefaultDir is where the host's key and the servers' keys are kept:
// the user's config dir, under "tandem".
func DefaultDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find config dir: %w", err)
	}
	return filepath.Join(d, "tandem"), nil
}

func (c *Config) setDefaults() error {
	if c.Server == "" {
		return errors.New("share: no server address (--server HOST:PORT)")
	}
	if c.KeyPath == "" || c.KnownHostsPath == "" {
		dir, err := DefaultDir()
		if err != nil {
			return err
		}
		if c.KeyPath == "" {
			c.KeyPath = filepath.Join(dir, "host_ed25519")
		}
		if c.KnownHostsPath == "" {
			c.KnownHostsPath = filepath.Join(dir, "known_hosts")
		}
	}
	if len(c.Command) == 0 {
		sh := os.Getenv("SHELL")
		if sh == "" {
			sh = "/bin/sh"
		}
		c.Command = []string{sh}
	}
	if c.HostName == "" {
		c.HostName, _ = os.Hostname()
	}
	if c.Term == "" {
		c.Term = os.Getenv("TERM")
		if c.Term == "" {
			c.Term = "xterm-256color"
		}
	}
	if c.Cols <= 0 || c.Rows <= 0 {
		c.Cols, c.Rows = 80, 24
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 15 * time.Second
	}
	if c.ResumeFor <= 0 {
		c.ResumeFor = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.Stdin == nil {
		c.Stdin = eofReader{}
	}
	if c.Stdout == nil {
		c.Stdout = io.Discard
	}
	if c.Dial == nil {
		c.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	for _, f := range c.Forwards {
		if _, _, err := wire.SplitForward(f); err != nil {
			return err
		}
	}
	return nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// Session is a shared terminal, from Start until Wait returns. Its
// connection to the server may drop and be made again (a resume): the
// local program runs on meanwhile.
type Session struct {
	// ID is the session id helpers use as their SSH user name.
	ID string
	// JoinCommand is the exact command helpers run.
	JoinCommand string
	// WebURL opens the session in the console, when the server has one.
	WebURL string

	cfg    Config
	signer ssh.Signer
	cmd    *exec.Cmd
	pty    *os.File
	local  *localTerminal
	prompt *prompter

	// outMu orders the program's output: to the server over the link, or
	// held back while there is none, and into the screen model.
	outMu  sync.Mutex
	link   *link         // nil while reconnecting
	linkUp chan struct{} // closed (and replaced) when a link is set
	screen *termscreen.Screen
	held   []byte // output while no link, up to maxHeld
	over   bool   // more than maxHeld was held back: redraw instead
	cols   int    // the shared terminal's size now
	rows   int
	grace  time.Duration // how long the server waits for a resume

	done    chan struct{}
	exited  chan struct{} // closed when the command has exited
	exiting atomic.Bool   // the command's output has ended; the server is told
	waitErr error
	once    sync.Once
}
