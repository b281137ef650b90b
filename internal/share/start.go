package share

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/sshrelay/wire"
	"github.com/tandemhq/tandem/internal/termscreen"
)

// Start connects to the server, registers the session (the server confirms
// it before anything else happens), and starts the command in a PTY. The
// session runs until the command exits, the connection is lost for good
// (it is resumed meanwhile, see resume.go), or Close.
func Start(ctx context.Context, cfg Config) (*Session, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	s := &Session{cfg: cfg, done: make(chan struct{}), exited: make(chan struct{}), linkUp: make(chan struct{})}
	s.local = newLocalTerminal(cfg.Stdin, cfg.Stdout)
	s.cols, s.rows = cfg.Cols, cfg.Rows
	if c, r, ok := s.local.size(); ok {
		s.cols, s.rows = c, r
	}
	signer, err := sshrelay.LoadOrCreateKey(s.cfg.KeyPath)
	if err != nil {
		return nil, fmt.Errorf("share: host key: %w", err)
	}
	s.signer = signer
	l, rep, err := s.dial(ctx, "")
	if err != nil {
		return nil, err
	}
	s.ID, s.JoinCommand, s.WebURL = rep.SessionID, rep.JoinCommand, rep.WebURL
	s.grace = s.graceOf(rep)
	s.screen = termscreen.New(s.cols, s.rows)
	s.link = l
	if cfg.OnRegistered != nil {
		cfg.OnRegistered(s)
	}
	if err := s.startCommand(); err != nil {
		l.conn.Close()
		return nil, err
	}
	go s.supervise(l)
	return s, nil
}

// link is one connection to the server with the session's terminal
// channel on it.
type link struct {
	conn ssh.Conn
	term ssh.Channel
	// moved is set when the server said it stops serving the session
	// (wire.EventReconnect): the host resumes at once, elsewhere.
	moved atomic.Bool
	// ended is set when the host told the server, on this connection, that
	// the program exited: its loss is the end, not a drop.
	ended atomic.Bool
}

// refusal is the server's refusal of a share request; retry says the host
// may try again (wire.ShareReply.Retry).
type refusal struct {
	msg   string
	retry bool
}

func (r *refusal) Error() string { return "share: the server refused the session: " + r.msg }

// dial connects to the server, logs in as the host with the host's key,
// and registers the session, or resumes the one with id resume.
func (s *Session) dial(ctx context.Context, resume string) (*link, wire.ShareReply, error) {
	var rep wire.ShareReply
	hostKeyCallback, err := trustOnFirstUse(s.cfg.KnownHostsPath)
	if err != nil {
		return nil, rep, fmt.Errorf("share: %w", err)
	}
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	nc, err := s.cfg.Dial(dctx, s.cfg.Server)
	if err != nil {
		return nil, rep, fmt.Errorf("share: connect to %s: %w", s.cfg.Server, err)
	}
	if dl, ok := dctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	conn, chans, reqs, err := ssh.NewClientConn(nc, s.cfg.Server, &ssh.ClientConfig{
		User:            wire.HostUser,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.signer)},
		HostKeyCallback: hostKeyCallback,
		ClientVersion:   "SSH-2.0-TandemShare",
	})
	if err != nil {
		nc.Close()
		return nil, rep, fmt.Errorf("share: log in to %s: %w", s.cfg.Server, err)
	}
	go func() {
		for r := range reqs {
			r.Reply(false, nil) // the server's liveness probes: any answer will do
		}
	}()
	go s.serveChannels(chans)
	l := &link{conn: conn}
	rep, err = s.register(l, resume)
	if err != nil {
		conn.Close()
		return nil, rep, err
	}
	nc.SetDeadline(time.Time{})
	return l, rep, nil
}

// register asks the server for a session, or to resume one, on l.
func (s *Session) register(l *link, resume string) (wire.ShareReply, error) {
	s.outMu.Lock()
	cols, rows := s.cols, s.rows
	s.outMu.Unlock()
	req := wire.ShareRequest{
		Version:        wire.Version,
		HostName:       s.cfg.HostName,
		Command:        strings.Join(s.cfg.Command, " "),
		Term:           s.cfg.Term,
		Cols:           cols,
		Rows:           rows,
		ReadOnly:       s.cfg.ReadOnly,
		Approve:        s.cfg.Approve,
		AuthorizedKeys: s.cfg.AuthorizedKeys,
		ReadOnlyKeys:   s.cfg.ReadOnlyKeys,
		AllowAgents:    s.cfg.AllowAgents,
		Forwards:       s.cfg.Forwards,
		Proxy:          s.cfg.Proxy,
		RecordInput:    s.cfg.RecordInput,
		Resume:         resume,
	}
	b, _ := json.Marshal(req)
	var rep wire.ShareReply
	ok, payload, err := l.conn.SendRequest(wire.RequestShare, true, b)
	if err != nil {
		return rep, fmt.Errorf("share: register: %w", err)
	}
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &rep); err != nil {
			return rep, fmt.Errorf("share: register: malformed reply from server")
		}
	}
	if !ok || rep.SessionID == "" {
		if rep.Error == "" {
			rep.Error = "refused"
		}
		return rep, &refusal{msg: rep.Error, retry: rep.Retry}
	}
	ch, creqs, err := l.conn.OpenChannel(wire.ChannelTerminal, []byte(rep.SessionID))
	if err != nil {
		return rep, fmt.Errorf("share: open terminal channel: %w", err)
	}
	l.term = ch
	go s.serverRequests(l, creqs)
	return rep, nil
}

// startCommand runs the command in a PTY and starts relaying.
func (s *Session) startCommand() error {
	cmd := exec.Command(s.cfg.Command[0], s.cfg.Command[1:]...)
	cmd.Dir = s.cfg.Dir
	cmd.Env = append(os.Environ(), "TERM="+s.cfg.Term, "TANDEM_SESSION="+s.ID)
	cmd.Env = append(cmd.Env, s.cfg.Env...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(s.cols), Rows: uint16(s.rows)})
	if err != nil {
		return fmt.Errorf("share: start %s: %w", s.cfg.Command[0], err)
	}
	s.cmd, s.pty = cmd, f
	s.prompt = newPrompter(s.local)
	if err := s.local.makeRaw(); err != nil {
		s.cfg.Logger.Warn("raw mode", "err", err)
	}
	s.local.onResize(s.Resize)
	go s.relayOutput()
	go s.relayLocal()
	go func() {
		// The session ends when relayOutput has read the last output, not
		// here: the PTY may still hold what the command wrote last.
		cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// relayOutput copies the PTY to the local terminal and to the server (or,
// while reconnecting, holds it back; see send).
func (s *Session) relayOutput() {
	buf := make([]byte, 32<<10)
	for {
		n, err := s.pty.Read(buf)
		if err == nil && n < len(buf)/2 {
			n += s.readMore(buf[n:])
		}
		if n > 0 {
			s.local.Write(buf[:n])
			s.send(buf[:n])
		}
		if err != nil {
			// EIO: the command and everything on its terminal have exited.
			// Tell the server (once reconnected, if the connection is
			// down), and give it a moment to hang up first so that it
			// records why the session ended.
			s.exiting.Store(true)
			typ, payload := s.exitRequest()
			if l := s.waitLink(); l != nil {
				l.ended.Store(true)
				l.term.SendRequest(typ, false, payload)
				l.term.CloseWrite()
				wait := make(chan struct{})
				go func() { l.conn.Wait(); close(wait) }()
				select {
				case <-wait:
				case <-time.After(2 * time.Second):
				}
			}
			s.finish(nil)
			return
		}
	}
}

// exitRequest is how the command ended, as the SSH request that tells it
// (RFC 4254 6.10): "exit-status" with its status, or "exit-signal" when a
// signal killed it. The PTY has just reported that nothing holds it open,
// so the command has exited or is about to be reaped; one that closed its
// terminal and lives on is reported as status 0, and hung up by finish.
func (s *Session) exitRequest() (string, []byte) {
	select {
	case <-s.exited:
		return exitOf(s.cmd.ProcessState).Request()
	case <-time.After(2 * time.Second):
		return wire.Exit{}.Request()
	}
}

// readMore reads what the PTY already holds, without waiting, so that a
// burst of output crosses the network in fewer, larger packets. A lone
// keystroke's echo is not held back: nothing more is there, and the read
// returns at once.
func (s *Session) readMore(buf []byte) int {
	if s.pty.SetReadDeadline(time.Now()) != nil {
		return 0 // not pollable: no deadline, no extra read
	}
	defer s.pty.SetReadDeadline(time.Time{})
	total := 0
	for total < len(buf) {
		n, err := s.pty.Read(buf[total:])
		total += n
		if err != nil || n == 0 {
			break
		}
	}
	return total
}

// relayHelpers copies helpers' input from the server to the PTY, on l
// until it is lost.
func (s *Session) relayHelpers(l *link) {
	io.Copy(s.pty, l.term)
}

// relayLocal copies the local keyboard to the PTY, except while the host is
// being asked about a joiner.
func (s *Session) relayLocal() {
	buf := make([]byte, 4096)
	for {
		n, err := s.cfg.Stdin.Read(buf)
		if n > 0 {
			p := s.prompt.take(buf[:n])
			if len(p) > 0 {
				s.pty.Write(p)
			}
		}
		if err != nil {
			return
		}
	}
}

// keepAlive probes the server on l; three intervals without an answer
// close l, since the server is gone even if TCP has not noticed, and the
// session is resumed.
func (s *Session) keepAlive(l *link, lost <-chan struct{}) {
	t := time.NewTicker(s.cfg.KeepAlive)
	defer t.Stop()
	answered := make(chan struct{}, 1)
	answered <- struct{}{}
	missed := 0
	for {
		select {
		case <-t.C:
		case <-lost:
			return
		case <-s.done:
			return
		}
		select {
		case <-answered:
			missed = 0
			go func() {
				if _, _, err := l.conn.SendRequest("keepalive@openssh.com", true, nil); err == nil {
					answered <- struct{}{}
				}
			}()
		default:
			missed++
			if missed >= 3 {
				s.cfg.Logger.Info("the server stopped answering")
				l.conn.Close()
				return
			}
		}
	}
}

// Resize sets the shared terminal's size (the host's window).
func (s *Session) Resize(cols, rows int) {
	if cols < 1 || rows < 1 || cols > wire.MaxCols || rows > wire.MaxRows {
		return
	}
	pty.Setsize(s.pty, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	s.outMu.Lock()
	s.cols, s.rows = cols, rows
	s.screen.Resize(cols, rows)
	l := s.link
	s.outMu.Unlock()
	if l != nil {
		l.term.SendRequest("window-change", false, wire.MarshalWindowChange(cols, rows))
	}
}

// finish ends the session once with err (nil for a normal end).
func (s *Session) finish(err error) {
	s.once.Do(func() {
		s.waitErr = err
		s.local.restore()
		s.outMu.Lock()
		l := s.link
		s.outMu.Unlock()
		if l != nil {
			l.conn.Close()
		}
		s.pty.Close()
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Signal(syscall.SIGHUP)
		}
		close(s.done)
	})
}

// Wait blocks until the session ends and says why: nil when the command
// exited, an error when the connection to the server was lost and could
// not be resumed.
func (s *Session) Wait() error {
	<-s.done
	return s.waitErr
}

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Close ends the session: the server is told that the host stopped
// sharing (so that it ends the session at once rather than wait for the
// host to come back), helpers are told, and the command is hung up.
func (s *Session) Close() error {
	s.outMu.Lock()
	l := s.link
	s.outMu.Unlock()
	if l != nil && !s.exiting.Swap(true) {
		typ, payload := wire.Exit{Signal: "HUP", Message: "the host stopped sharing"}.Request()
		l.ended.Store(true)
		l.term.SendRequest(typ, false, payload)
		l.term.CloseWrite()
	}
	s.finish(nil)
	return nil
}
