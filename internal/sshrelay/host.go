package sshrelay

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/termscreen"
)

// liveConn records when bytes last arrived, so that liveness judges a host
// by whether it is still sending (a keepalive reply, output, anything), not
// by whether one particular reply came back in time.
type liveConn struct {
	net.Conn
	last atomic.Int64
}

func (c *liveConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.touch()
	}
	return n, err
}

func (c *liveConn) touch()                       { c.last.Store(time.Now().UnixNano()) }
func (c *liveConn) lastRead() time.Time          { return time.Unix(0, c.last.Load()) }
func (c *liveConn) silentSince(t time.Time) bool { return c.lastRead().Before(t) }

// registerTimeout is how long a host may take to send its share request.
const registerTimeout = 20 * time.Second

// serveHost runs a host's connection: registration, the terminal channel,
// liveness, and the end of the session when the connection goes.
func (s *Server) serveHost(conn *ssh.ServerConn, lc *liveConn, chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request) {
	log := s.log.With("remote", conn.RemoteAddr())
	var se *session
	timer := time.NewTimer(registerTimeout)
	defer timer.Stop()
	for se == nil {
		select {
		case r, ok := <-reqs:
			if !ok {
				return
			}
			if r.Type != wire.RequestShare {
				r.Reply(false, nil)
				continue
			}
			var err error
			se, err = s.register(conn, r.Payload)
			if err != nil {
				log.Info("share refused", "err", logSafe(err.Error()))
				b, _ := json.Marshal(wire.ShareReply{Error: err.Error()})
				r.Reply(false, b)
				continue
			}
			b, _ := json.Marshal(wire.ShareReply{SessionID: se.id, JoinCommand: s.joinCommand(se.id), WebURL: s.webURL(se.id)})
			r.Reply(true, b)
		case nc, ok := <-chans:
			if !ok {
				return
			}
			nc.Reject(ssh.Prohibited, "register the session first")
		case <-timer.C:
			log.Info("host did not register in time")
			return
		case <-s.ctx.Done():
			return
		}
	}

	reason := "host disconnected"
	var endReason atomic.Value
	endReason.Store(reason)
	go func() {
		for r := range reqs {
			// Keepalives and anything else: no, but answered, which is
			// what OpenSSH does too.
			r.Reply(false, nil)
		}
	}()
	go func() {
		for nc := range chans {
			if nc.ChannelType() != wire.ChannelTerminal || string(nc.ExtraData()) != se.id {
				nc.Reject(ssh.UnknownChannelType, "unexpected channel")
				continue
			}
			if se.terminal() != nil {
				nc.Reject(ssh.Prohibited, "terminal already open")
				continue
			}
			ch, creqs, err := nc.Accept()
			if err != nil {
				continue
			}
			se.mu.Lock()
			se.term = ch
			se.mu.Unlock()
			go se.runEvents(ch)
			eof, settled := make(chan struct{}), make(chan struct{})
			go se.hostRequests(creqs, eof, settled, func() {
				endReason.Store("the shared program exited")
			})
			go func() {
				se.pump(ch)
				// The host's exit request came before its EOF, but on
				// another queue: let it be handled, so that the reason and
				// the exit status helpers are given are right.
				close(eof)
				<-settled
				// Ended here, before the host sees its connection close, so
				// that the session is over (and why) when the host is told.
				se.end(endReason.Load().(string))
				conn.Close()
			}()
		}
	}()
	go s.watchHost(se, conn, lc, &endReason)

	conn.Wait()
	se.end(endReason.Load().(string))
}

// pump reads the host's output until the channel closes or the host's EOF.
func (se *session) pump(ch ssh.Channel) {
	buf := make([]byte, 32<<10)
	for {
		n, err := ch.Read(buf)
		if n > 0 {
			se.output(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// hostRequests handles the host's requests on the terminal channel until it
// closes. The host tells how the shared program ended (wire.Exit) before
// its EOF, so that this end is told apart from a lost connection and each
// helper's ssh exits as the program did; exited is called for the first.
//
// x/crypto queues a channel's requests in order with its data: once pump
// has read the EOF (eof is closed), every request the host sent before it
// is queued. Those are handled, then settled is closed.
func (se *session) hostRequests(reqs <-chan *ssh.Request, eof <-chan struct{}, settled chan<- struct{}, exited func()) {
	settle := sync.OnceFunc(func() { close(settled) })
	defer settle()
	var once sync.Once
	handle := func(r *ssh.Request) {
		switch r.Type {
		case wire.RequestExitStatus, wire.RequestExitSignal:
			ex, err := wire.ParseExit(r.Type, r.Payload)
			if err == nil {
				once.Do(func() {
					se.mu.Lock()
					se.exit = ex
					se.mu.Unlock()
					exited()
				})
			}
			r.Reply(err == nil, nil)
		case "window-change":
			cols, rows, err := wire.ParseWindowChange(r.Payload)
			if err == nil {
				se.resize(cols, rows)
			}
			r.Reply(err == nil, nil)
		default:
			r.Reply(false, nil)
		}
	}
	for {
		select {
		case r, ok := <-reqs:
			if !ok {
				return
			}
			handle(r)
		case <-eof:
			for len(reqs) > 0 { // only this goroutine receives: no wait
				handle(<-reqs)
			}
			settle()
			for r := range reqs {
				handle(r)
			}
			return
		}
	}
}

// watchHost probes the host every interval and closes its connection when
// nothing has arrived since the previous probe: the host is gone (process
// killed, network cut) even if TCP has not noticed. A probe is only sent
// while none is outstanding, since x/crypto sends one global request at a
// time.
func (s *Server) watchHost(se *session, conn ssh.Conn, lc *liveConn, reason *atomic.Value) {
	interval := s.cfg.LivenessInterval
	t := time.NewTicker(interval)
	defer t.Stop()
	var outstanding atomic.Bool
	probe := func() {
		if outstanding.CompareAndSwap(false, true) {
			go func() {
				conn.SendRequest("keepalive@openssh.com", true, nil)
				outstanding.Store(false)
			}()
		}
	}
	lastProbe := time.Now()
	probe()
	for {
		select {
		case <-t.C:
		case <-se.ctx.Done():
			return
		}
		if lc.silentSince(lastProbe) {
			reason.Store("host unreachable (no answer to liveness probes)")
			conn.Close()
			return
		}
		lastProbe = time.Now()
		probe()
	}
}

// register checks a host's share request and creates its session.
func (s *Server) register(conn *ssh.ServerConn, payload []byte) (*session, error) {
	req, err := wire.ParseShareRequest(payload)
	if err != nil {
		return nil, err
	}
	grants, err := parseGrants(req.AuthorizedKeys, req.ReadOnlyKeys)
	if err != nil {
		return nil, err
	}
	if len(grants) == 0 && !req.AllowAgents && !req.Approve {
		return nil, fmt.Errorf("nobody could join: give --authorized-keys, allow agents, or use --approve")
	}
	hostKey := conn.Permissions.Extensions[extKey]
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hostKey))
	if err != nil {
		return nil, fmt.Errorf("host key: %v", err)
	}
	s.mu.Lock()
	full := len(s.sessions) >= s.cfg.MaxSessions
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("server shutting down")
	}
	if full {
		return nil, fmt.Errorf("too many sessions on this server; try again later")
	}
	ctx, cancel := context.WithCancel(s.ctx)
	se := &session{
		srv:      s,
		id:       NewSessionID(),
		req:      req,
		grants:   grants,
		hostFP:   ssh.FingerprintSHA256(pk),
		hostConn: conn,
		created:  time.Now(),
		ctx:      ctx,
		cancel:   cancel,
		events:   make(chan wire.Event, 64),
		screen:   termscreen.New(req.Cols, req.Rows),
		cols:     req.Cols,
		rows:     req.Rows,
		helpers:  make(map[*helper]struct{}),
		over:     make(chan struct{}),
	}
	se.rec = s.newCast(se)
	t := &store.Terminal{
		ID:          se.id,
		HostKey:     hostKey,
		HostName:    req.HostName,
		Command:     req.Command,
		ReadOnly:    req.ReadOnly,
		Approve:     req.Approve,
		CreatedAt:   se.created,
		RecordingID: se.id,
		RecordInput: req.RecordInput,
	}
	sctx, scancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer scancel()
	// The lease first: a stored session always has an owner, or had one,
	// so that another node's sweep never ends a session starting here.
	if err := s.takeLease(sctx, se.id); err != nil {
		cancel()
		s.log.Error("take terminal lease", "err", err)
		return nil, fmt.Errorf("cannot create the session right now")
	}
	if err := s.cfg.Store.CreateTerminal(sctx, t); err != nil {
		s.releaseLease(se.id, true)
		cancel()
		s.log.Error("create terminal", "err", err)
		return nil, fmt.Errorf("cannot create the session right now")
	}
	s.mu.Lock()
	s.sessions[se.id] = se
	s.mu.Unlock()
	s.obs.TerminalSessions(1)
	s.audit.add(se.id, "host:"+se.hostFP, "share", shareDetail(req))
	s.log.Info("session started", "session", se.id, "host", logSafe(req.HostName), "term", logSafe(req.Term),
		"client", logSafe(string(conn.ClientVersion())), "fingerprint", se.hostFP)
	return se, nil
}

func shareDetail(r *wire.ShareRequest) string {
	var opts []string
	if r.ReadOnly {
		opts = append(opts, "read-only")
	}
	if r.Approve {
		opts = append(opts, "approve")
	}
	if r.Proxy {
		opts = append(opts, "proxy")
	}
	if r.RecordInput {
		opts = append(opts, "record-input")
	}
	for _, f := range r.Forwards {
		opts = append(opts, "forward "+f)
	}
	return fmt.Sprintf("%s: %s %s", r.HostName, r.Command, strings.Join(opts, ", "))
}

func (s *Server) webURL(id string) string {
	if s.cfg.WebURL == "" {
		return ""
	}
	return strings.TrimRight(s.cfg.WebURL, "/") + "/terminal/" + id
}
