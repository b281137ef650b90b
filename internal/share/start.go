package share

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// Start connects to the server, registers the session (the server confirms
// it before anything else happens), and starts the command in a PTY. The
// session runs until the command exits, the connection is lost, or Close.
func Start(ctx context.Context, cfg Config) (*Session, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	s := &Session{cfg: cfg, done: make(chan struct{}), exited: make(chan struct{})}
	s.local = newLocalTerminal(cfg.Stdin, cfg.Stdout)
	s.cols, s.rows = cfg.Cols, cfg.Rows
	if c, r, ok := s.local.size(); ok {
		s.cols, s.rows = c, r
	}
	if err := s.connect(ctx); err != nil {
		return nil, err
	}
	if err := s.register(ctx); err != nil {
		s.conn.Close()
		return nil, err
	}
	if cfg.OnRegistered != nil {
		cfg.OnRegistered(s)
	}
	if err := s.startCommand(); err != nil {
		s.conn.Close()
		return nil, err
	}
	return s, nil
}

// connect dials the server and logs in as the host with the host's key.
func (s *Session) connect(ctx context.Context) error {
	signer, err := sshrelay.LoadOrCreateKey(s.cfg.KeyPath)
	if err != nil {
		return fmt.Errorf("share: host key: %w", err)
	}
	hostKeyCallback, err := trustOnFirstUse(s.cfg.KnownHostsPath)
	if err != nil {
		return fmt.Errorf("share: %w", err)
	}
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	nc, err := s.cfg.Dial(dctx, s.cfg.Server)
	if err != nil {
		return fmt.Errorf("share: connect to %s: %w", s.cfg.Server, err)
	}
	if dl, ok := dctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	conn, chans, reqs, err := ssh.NewClientConn(nc, s.cfg.Server, &ssh.ClientConfig{
		User:            wire.HostUser,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hostKeyCallback,
		ClientVersion:   "SSH-2.0-TandemShare",
	})
	if err != nil {
		nc.Close()
		return fmt.Errorf("share: log in to %s: %w", s.cfg.Server, err)
	}
	nc.SetDeadline(time.Time{})
	s.conn = conn
	go func() {
		for r := range reqs {
			r.Reply(false, nil) // the server's liveness probes: any answer will do
		}
	}()
	go s.serveChannels(chans)
	return nil
}

// register asks the server for a session.
func (s *Session) register(ctx context.Context) error {
	req := wire.ShareRequest{
		Version:        wire.Version,
		HostName:       s.cfg.HostName,
		Command:        strings.Join(s.cfg.Command, " "),
		Term:           s.cfg.Term,
		Cols:           s.cols,
		Rows:           s.rows,
		ReadOnly:       s.cfg.ReadOnly,
		Approve:        s.cfg.Approve,
		AuthorizedKeys: s.cfg.AuthorizedKeys,
		ReadOnlyKeys:   s.cfg.ReadOnlyKeys,
		AllowAgents:    s.cfg.AllowAgents,
		Forwards:       s.cfg.Forwards,
		Proxy:          s.cfg.Proxy,
		RecordInput:    s.cfg.RecordInput,
	}
	b, _ := json.Marshal(req)
	ok, payload, err := s.conn.SendRequest(wire.RequestShare, true, b)
	if err != nil {
		return fmt.Errorf("share: register: %w", err)
	}
	var rep wire.ShareReply
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &rep); err != nil {
			return fmt.Errorf("share: register: malformed reply from server")
		}
	}
	if !ok || rep.SessionID == "" {
		if rep.Error == "" {
			rep.Error = "refused"
		}
		return fmt.Errorf("share: the server refused the session: %s", rep.Error)
	}
	s.ID, s.JoinCommand, s.WebURL = rep.SessionID, rep.JoinCommand, rep.WebURL
	ch, creqs, err := s.conn.OpenChannel(wire.ChannelTerminal, []byte(s.ID))
	if err != nil {
		return fmt.Errorf("share: open terminal channel: %w", err)
	}
	s.term = ch
	go s.serverRequests(creqs)
	return nil
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
	go s.relayHelpers()
	go s.relayLocal()
	go s.keepAlive()
	go func() {
		// The session ends when relayOutput has read the last output, not
		// here: the PTY may still hold what the command wrote last.
		cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// relayOutput copies the PTY to the local terminal and to the server.
func (s *Session) relayOutput() {
	buf := make([]byte, 32<<10)
	for {
		n, err := s.pty.Read(buf)
		if err == nil && n < len(buf)/2 {
			n += s.readMore(buf[n:])
		}
		if n > 0 {
			s.local.Write(buf[:n])
			if _, werr := s.term.Write(buf[:n]); werr != nil {
				s.finish(fmt.Errorf("connection to the server lost: %w", werr))
				return
			}
		}
		if err != nil {
			// EIO: the command and everything on its terminal have exited.
			// Tell the server, and give it a moment to hang up first so
			// that it records why the session ended.
			s.exiting.Store(true)
			typ, payload := s.exitRequest()
			s.term.SendRequest(typ, false, payload)
			s.term.CloseWrite()
			wait := make(chan struct{})
			go func() { s.conn.Wait(); close(wait) }()
			select {
			case <-wait:
			case <-time.After(2 * time.Second):
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

// relayHelpers copies helpers' input from the server to the PTY.
func (s *Session) relayHelpers() {
	_, err := io.Copy(s.pty, s.term)
	if s.exiting.Load() {
		return // relayOutput ends the session
	}
	if err == nil {
		err = errors.New("the server closed the session")
	}
	s.finish(fmt.Errorf("connection to the server lost: %w", err))
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

// keepAlive probes the server; three intervals without an answer end the
// session, since the server is gone even if TCP has not noticed.
func (s *Session) keepAlive() {
	t := time.NewTicker(s.cfg.KeepAlive)
	defer t.Stop()
	answered := make(chan struct{}, 1)
	answered <- struct{}{}
	missed := 0
	for {
		select {
		case <-t.C:
		case <-s.done:
			return
		}
		select {
		case <-answered:
			missed = 0
			go func() {
				if _, _, err := s.conn.SendRequest("keepalive@openssh.com", true, nil); err == nil {
					answered <- struct{}{}
				}
			}()
		default:
			missed++
			if missed >= 3 {
				s.finish(errors.New("the server stopped answering"))
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
	s.term.SendRequest("window-change", false, wire.MarshalWindowChange(cols, rows))
}

// finish ends the session once with err (nil for a normal end).
func (s *Session) finish(err error) {
	s.once.Do(func() {
		s.waitErr = err
		s.local.restore()
		s.conn.Close()
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
// exited, an error when the connection to the server was lost.
func (s *Session) Wait() error {
	<-s.done
	return s.waitErr
}

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Close ends the session: the server tells helpers, and the command is
// hung up.
func (s *Session) Close() error {
	s.finish(nil)
	return nil
}
