package sshrelay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// Bounds on what one helper connection may open.
const (
	maxHelperTerminals = 4
	maxHelperForwards  = 64
)

// serveHelper runs a helper's connection: one or more terminal channels and
// forwarded connections, until the helper leaves or the session ends.
func (s *Server) serveHelper(conn *ssh.ServerConn, chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request) {
	ext := conn.Permissions.Extensions
	se := s.session(ext[extSession])
	if se == nil {
		return // ended between authentication and now
	}
	go func() {
		for r := range reqs {
			// tcpip-forward and friends: a helper offers nothing to anyone.
			r.Reply(false, nil)
		}
	}()
	served := make(chan struct{})
	defer close(served)
	stop := context.AfterFunc(se.ctx, func() {
		// The session has ended: hang up once the terminals have said
		// goodbye, or after a moment for a helper who only forwards.
		select {
		case <-served:
		case <-time.After(2 * time.Second):
		}
		conn.Close()
	})
	defer stop()
	info := helperInfo{
		Name:        ext[extName],
		Fingerprint: ext[extKey],
		Actor:       ext[extActor],
		Via:         "ssh",
		ReadOnly:    ext[extReadOnly] != "",
	}
	var wg sync.WaitGroup
	terminals, forwards := make(chan struct{}, maxHelperTerminals), make(chan struct{}, maxHelperForwards)
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			select {
			case terminals <- struct{}{}:
			default:
				nc.Reject(ssh.ResourceShortage, "too many terminals on one connection")
				continue
			}
			ch, creqs, err := nc.Accept()
			if err != nil {
				<-terminals
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-terminals }()
				se.serveTerminal(conn, ch, creqs, info)
			}()
		case "direct-tcpip":
			select {
			case forwards <- struct{}{}:
			default:
				nc.Reject(ssh.ResourceShortage, "too many forwarded connections")
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-forwards }()
				se.forward(nc, info)
			}()
		default:
			nc.Reject(ssh.UnknownChannelType, fmt.Sprintf("tandem: %q channels are not supported", clip(nc.ChannelType(), 40)))
		}
	}
	wg.Wait()
}

// sshSink writes a helper's output to their SSH channel.
type sshSink struct{ ch ssh.Channel }

func (s sshSink) Write(p []byte) (int, error) { return s.ch.Write(p) }

// serveTerminal runs one terminal channel of a helper: its requests, the
// approval, attaching to the session, and the helper's input.
func (se *session) serveTerminal(conn *ssh.ServerConn, ch ssh.Channel, reqs <-chan *ssh.Request, info helperInfo) {
	defer ch.Close()
	h := &helper{se: se, info: info, out: sshSink{ch}, cols: 80, rows: 24}
	started := make(chan struct{})
	var once sync.Once
	var attached sync.WaitGroup
	attached.Add(1)
	go func() {
		defer attached.Done()
		for r := range reqs {
			ok := false
			switch r.Type {
			case "pty-req":
				term, cols, rows, err := wire.ParsePtyRequest(r.Payload)
				if ok = err == nil; ok {
					se.mu.Lock()
					h.term = term
					se.mu.Unlock()
					se.setSize(h, cols, rows)
				}
			case "window-change":
				cols, rows, err := wire.ParseWindowChange(r.Payload)
				if ok = err == nil; ok {
					se.setSize(h, cols, rows)
				}
			case "shell":
				ok = true
				once.Do(func() { close(started) })
			case "exec", "subsystem":
				fmt.Fprintf(ch.Stderr(), "tandem: this is a shared terminal; join without a command (ssh -p PORT SESSIONID@HOST)\r\n")
				r.Reply(false, nil)
				sendExit(ch, wire.Exit{Status: 2})
				ch.Close()
				continue
			}
			// env, x11-req, auth-agent-req, signal, break, ...: no.
			if r.WantReply {
				r.Reply(ok, nil)
			}
		}
		once.Do(func() { close(started) })
	}()
	select {
	case <-started:
	case <-se.ctx.Done():
		se.goodbye(ch)
		return
	}

	if se.req.Approve {
		allowed, err := se.approve(ch, h)
		if err != nil || !allowed {
			if err == nil {
				fmt.Fprintf(ch, "tandem: the host did not let you in.\r\n")
				se.srv.audit.add(se.id, info.Actor, "join.denied", joinDetail(info))
			} else if se.ctx.Err() != nil {
				se.goodbye(ch)
				return
			} else {
				fmt.Fprintf(ch, "tandem: %v\r\n", err)
			}
			sendExit(ch, wire.Exit{Status: 1})
			conn.Close()
			return
		}
	}
	if !se.attach(h) {
		se.goodbye(ch)
		return
	}
	defer se.detach(h)
	se.mu.Lock()
	term := h.term
	se.mu.Unlock()
	se.srv.log.Info("helper joined", "session", se.id, "name", logSafe(info.Name), "fingerprint", info.Fingerprint, "via", "ssh",
		"client", logSafe(string(conn.ClientVersion())), "term", logSafe(term), "remote", conn.RemoteAddr())
	inputDone := make(chan struct{})
	go func() {
		defer close(inputDone)
		buf := make([]byte, 4096)
		for {
			n, err := ch.Read(buf)
			if n > 0 {
				se.input(h, buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-inputDone:
		// The helper closed their side (ssh ~. or end of input).
		sendExit(ch, wire.Exit{Status: 0})
	case <-h.done:
		if se.ctx.Err() != nil {
			se.goodbye(ch)
		}
	case <-se.ctx.Done():
		se.detach(h)
		se.goodbye(ch)
	}
}

// goodbye tells a helper the session has ended and why, and exits their
// session as the shared program exited (0 when the host did not say).
func (se *session) goodbye(ch ssh.Channel) {
	if why := se.movedReason(); why != "" {
		// Not the end: the session goes on elsewhere. No exit status, so
		// that ssh does not report the session over with success.
		fmt.Fprintf(ch, "\r\n\x1b[0m\r\ntandem: %s.\r\n", why)
		ch.CloseWrite()
		ch.Close()
		return
	}
	fmt.Fprintf(ch, "\r\n\x1b[0m\r\ntandem: the session has ended: %s.\r\n", se.endReasonNow())
	se.mu.Lock()
	exit := se.exit
	se.mu.Unlock()
	sendExit(ch, exit)
	ch.CloseWrite()
	ch.Close()
}

// sendExit ends a helper's session channel as e says.
func sendExit(ch ssh.Channel, e wire.Exit) {
	typ, payload := e.Request()
	ch.SendRequest(typ, false, payload)
}

// approve asks the host whether to let h in, telling h to wait.
func (se *session) approve(w io.Writer, h *helper) (bool, error) {
	fmt.Fprintf(w, "tandem: waiting for the host to let you in...\r\n")
	term := se.terminal()
	if term == nil {
		return false, fmt.Errorf("the host is not ready yet; try again")
	}
	e := wire.Event{Type: wire.EventApprove, Name: h.info.Name, Fingerprint: h.info.Fingerprint, Via: h.info.Via, ReadOnly: h.info.ReadOnly}
	b, _ := json.Marshal(e)
	type answer struct {
		ok  bool
		err error
	}
	ans := make(chan answer, 1)
	go func() {
		// x/crypto sends one such request per channel at a time, so the
		// host is asked about one joiner at a time.
		ok, err := term.SendRequest(wire.RequestApprove, true, b)
		ans <- answer{ok, err}
	}()
	ctx, cancel := context.WithTimeout(se.ctx, se.srv.cfg.ApproveTimeout)
	defer cancel()
	select {
	case a := <-ans:
		if a.err != nil {
			return false, fmt.Errorf("the host did not answer")
		}
		return a.ok, nil
	case <-ctx.Done():
		if se.ctx.Err() != nil {
			return false, se.ctx.Err()
		}
		return false, fmt.Errorf("the host did not answer in time")
	}
}
