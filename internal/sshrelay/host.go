package sshrelay

import (
	"context"
	"encoding/json"
	"errors"
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

// hostLink is one connection of a session's host. A host whose connection
// drops comes back on a new one (a resume), so a session outlives its
// links.
type hostLink struct {
	conn   ssh.Conn
	lc     *liveConn
	ctx    context.Context // ends when this connection is done with
	cancel context.CancelFunc
}

// newLink makes conn the host's link in se; se.mu need not be held.
func (se *session) newLink(conn ssh.Conn, lc *liveConn) *hostLink {
	ctx, cancel := context.WithCancel(se.ctx)
	return &hostLink{conn: conn, lc: lc, ctx: ctx, cancel: cancel}
}

// refusal is a share request turned down: what the host is shown, and
// whether it may try again (wire.ShareReply.Retry).
type refusal struct {
	msg   string
	retry bool
}

func (r *refusal) Error() string { return r.msg }

// refuse is a final refusal; tryAgain one the host may retry.
func refuse(format string, args ...any) error {
	return &refusal{msg: fmt.Sprintf(format, args...)}
}

func tryAgain(format string, args ...any) error {
	return &refusal{msg: fmt.Sprintf(format, args...), retry: true}
}

// serveHost runs a host's connection: registration (or a resume), the
// terminal channel, liveness, and what happens to the session when the
// connection goes: it ends if the host said its program exited, and
// otherwise waits for the host to come back (hostAway).
func (s *Server) serveHost(conn *ssh.ServerConn, lc *liveConn, chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request) {
	log := s.log.With("remote", conn.RemoteAddr())
	var se *session
	var link *hostLink
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
			var rep wire.ShareReply
			var err error
			se, link, rep, err = s.register(conn, lc, r.Payload)
			if err != nil {
				log.Info("share refused", "err", logSafe(err.Error()))
				var rf *refusal
				b, _ := json.Marshal(wire.ShareReply{Error: err.Error(), Retry: errors.As(err, &rf) && rf.retry})
				r.Reply(false, b)
				continue
			}
			b, _ := json.Marshal(rep)
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
	defer link.cancel()

	var endReason atomic.Value
	endReason.Store("host disconnected")
	var exited atomic.Bool // the host said its program exited
	go func() {
		for r := range reqs {
			// Keepalives and anything else: no, but answered, which is
			// what OpenSSH does too.
			r.Reply(false, nil)
		}
	}()
	chansDone, pumped := make(chan struct{}), make(chan struct{})
	var opened atomic.Bool
	go func() {
		defer close(chansDone)
		for nc := range chans {
			if nc.ChannelType() != wire.ChannelTerminal || string(nc.ExtraData()) != se.id {
				nc.Reject(ssh.UnknownChannelType, "unexpected channel")
				continue
			}
			if opened.Load() || se.terminal() != nil {
				nc.Reject(ssh.Prohibited, "terminal already open")
				continue
			}
			ch, creqs, err := nc.Accept()
			if err != nil {
				continue
			}
			if !se.setTerminal(link, ch) {
				ch.Close() // a newer connection of the host took over
				continue
			}
			opened.Store(true)
			go se.runEvents(link.ctx, ch)
			eof, settled := make(chan struct{}), make(chan struct{})
			go se.hostRequests(creqs, eof, settled, func() {
				endReason.Store("the shared program exited")
				exited.Store(true)
			})
			go func() {
				defer close(pumped)
				se.pump(ch)
				// The host's exit request came before its EOF, but on
				// another queue: let it be handled, so that the reason and
				// the exit status helpers are given are right.
				close(eof)
				<-settled
				if exited.Load() {
					// Ended here, before the host sees its connection
					// close, so that the session is over (and why) when
					// the host is told.
					se.end(endReason.Load().(string))
				}
				conn.Close()
			}()
		}
	}()
	go s.watchHost(se, link, &endReason)

	conn.Wait()
	link.cancel()
	<-chansDone
	if opened.Load() {
		<-pumped
	}
	if exited.Load() {
		se.end(endReason.Load().(string))
		return
	}
	se.hostAway(link, endReason.Load().(string))
}

// setTerminal makes ch the host's terminal channel, if link is still the
// host's connection.
func (se *session) setTerminal(link *hostLink, ch ssh.Channel) bool {
	se.mu.Lock()
	defer se.mu.Unlock()
	if se.ended || se.host != link || se.term != nil {
		return false
	}
	se.term = ch
	return true
}

// hostAway handles the loss of link, the host's connection, when its
// program did not exit: the session waits HostGrace for the host to resume
// it (here, or on another node after this one stopped), with its helpers
// attached and their input dropped, then ends with reason.
func (se *session) hostAway(link *hostLink, reason string) {
	se.mu.Lock()
	if se.ended || se.host != link {
		se.mu.Unlock()
		return // ended, or the host is back on a newer connection
	}
	se.host, se.term = nil, nil
	var t *time.Timer
	t = time.AfterFunc(se.srv.cfg.HostGrace, func() {
		se.mu.Lock()
		still := se.away == t
		se.mu.Unlock()
		if still {
			se.end(reason)
		}
	})
	se.away = t
	se.mu.Unlock()
	se.rec.marker("host away: " + reason)
	se.srv.audit.add(se.id, "host:"+se.hostFP, "host.away", reason)
	se.srv.log.Info("host away; waiting for it to resume", "session", se.id, "reason", reason, "grace", se.srv.cfg.HostGrace)
}

// reattach makes link the host's connection after a resume on this
// server; a connection of the host's that is still open (not yet noticed
// dead) is closed. It reports false when the session has ended.
func (se *session) reattach(link *hostLink) bool {
	se.mu.Lock()
	if se.ended {
		se.mu.Unlock()
		return false
	}
	old := se.host
	if se.away != nil {
		se.away.Stop()
		se.away = nil
	}
	se.host, se.term = link, nil
	se.mu.Unlock()
	if old != nil {
		old.conn.Close()
	}
	return true
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
func (s *Server) watchHost(se *session, link *hostLink, reason *atomic.Value) {
	conn, lc := link.conn, link.lc
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
		case <-link.ctx.Done():
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

// register checks a host's share request and creates its session, or
// resumes the one it names (see resume). It returns the session, the
// host's link in it, and the reply to send.
func (s *Server) register(conn *ssh.ServerConn, lc *liveConn, payload []byte) (*session, *hostLink, wire.ShareReply, error) {
	var rep wire.ShareReply
	req, err := wire.ParseShareRequest(payload)
	if err != nil {
		return nil, nil, rep, err
	}
	grants, err := parseGrants(req.AuthorizedKeys, req.ReadOnlyKeys)
	if err != nil {
		return nil, nil, rep, err
	}
	if len(grants) == 0 && !req.AllowAgents && !req.Approve {
		return nil, nil, rep, fmt.Errorf("nobody could join: give --authorized-keys, allow agents, or use --approve")
	}
	hostKey := conn.Permissions.Extensions[extKey]
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hostKey))
	if err != nil {
		return nil, nil, rep, fmt.Errorf("host key: %v", err)
	}
	s.mu.Lock()
	full := len(s.sessions) >= s.cfg.MaxSessions
	closed, draining := s.closed, s.draining
	s.mu.Unlock()
	switch {
	case closed:
		return nil, nil, rep, tryAgain("server shutting down; try again")
	case draining:
		return nil, nil, rep, tryAgain("this server is restarting; try again")
	}
	hostFP := ssh.FingerprintSHA256(pk)
	if req.Resume != "" {
		return s.resume(conn, lc, req, grants, hostFP)
	}
	if full {
		return nil, nil, rep, tryAgain("too many sessions on this server; try again later")
	}
	se := s.newSession(NewSessionID(), req, grants, hostFP, time.Now())
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
		se.cancel()
		s.log.Error("take terminal lease", "err", err)
		return nil, nil, rep, tryAgain("cannot create the session right now")
	}
	if err := s.cfg.Store.CreateTerminal(sctx, t); err != nil {
		s.releaseLease(se.id, true)
		se.cancel()
		s.log.Error("create terminal", "err", err)
		return nil, nil, rep, tryAgain("cannot create the session right now")
	}
	link := se.newLink(conn, lc)
	se.host = link
	s.mu.Lock()
	s.sessions[se.id] = se
	s.mu.Unlock()
	s.obs.TerminalSessions(1)
	s.audit.add(se.id, "host:"+se.hostFP, "share", shareDetail(req))
	s.log.Info("session started", "session", se.id, "host", logSafe(req.HostName), "term", logSafe(req.Term),
		"client", logSafe(string(conn.ClientVersion())), "fingerprint", se.hostFP)
	return se, link, s.shareReply(se), nil
}

// newSession makes the in-memory session for a host's request, new or
// taken over; its recording is set by the caller.
func (s *Server) newSession(id string, req *wire.ShareRequest, grants map[string]grant, hostFP string, created time.Time) *session {
	ctx, cancel := context.WithCancel(s.ctx)
	return &session{
		srv:     s,
		id:      id,
		req:     req,
		grants:  grants,
		hostFP:  hostFP,
		created: created,
		ctx:     ctx,
		cancel:  cancel,
		events:  make(chan wire.Event, 64),
		screen:  termscreen.New(req.Cols, req.Rows),
		cols:    req.Cols,
		rows:    req.Rows,
		helpers: make(map[*helper]struct{}),
		over:    make(chan struct{}),
	}
}

// shareReply is the answer to a host whose session se now is.
func (s *Server) shareReply(se *session) wire.ShareReply {
	return wire.ShareReply{
		SessionID:   se.id,
		JoinCommand: s.joinCommand(se.id),
		WebURL:      s.webURL(se.id),
		GraceMillis: s.cfg.HostGrace.Milliseconds(),
	}
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
