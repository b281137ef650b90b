package sshrelay

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/sshrelay/wire"
	"github.com/tandemhq/tandem/internal/store"
)

// resume serves a host that asks to go on with its session req.Resume
// after its connection dropped: on this server when the session is still
// here (waiting for its host), else by taking it over from the store when
// no live node holds it. Only the key that started the session may resume
// it, so that knowing a session's id is not enough to take it.
func (s *Server) resume(conn *ssh.ServerConn, lc *liveConn, req *wire.ShareRequest, grants map[string]grant, hostFP string) (*session, *hostLink, wire.ShareReply, error) {
	var rep wire.ShareReply
	id, err := ParseSessionID(req.Resume)
	if err != nil {
		return nil, nil, rep, refuse("%q is not a session id", sanitize(req.Resume, 40))
	}
	if se := s.session(id); se != nil {
		if se.hostFP != hostFP {
			return nil, nil, rep, refuse("session %s was shared with another key: this one cannot resume it", id)
		}
		link := se.newLink(conn, lc)
		if !se.reattach(link) {
			link.cancel()
			return nil, nil, rep, refuse("session %s has ended (%s)", id, se.endReasonNow())
		}
		// Grants and options are the host's to change: it is the same key.
		se.mu.Lock()
		se.req, se.grants = req, grants
		se.mu.Unlock()
		se.resize(req.Cols, req.Rows)
		se.rec.marker("host reconnected")
		s.audit.add(id, "host:"+hostFP, auditResume, "same server; "+shareDetail(req))
		s.log.Info("host resumed its session", "session", id, "fingerprint", hostFP)
		rep = s.shareReply(se)
		rep.Resumed, rep.KeptScreen = true, true
		return se, link, rep, nil
	}
	return s.takeOver(conn, lc, id, req, grants, hostFP)
}

// auditResume is the audit action of a host resuming its session.
const auditResume = "resume"

// takeOver serves, on this server, a session that no live node serves
// (its node died, or drained and handed it over) and that has not ended,
// for its host, which asked to resume it: the lease is taken (the fencing
// token grows), the session gets the same id, and its recording goes on
// after what the last owner stored.
func (s *Server) takeOver(conn *ssh.ServerConn, lc *liveConn, id string, req *wire.ShareRequest, grants map[string]grant, hostFP string) (*session, *hostLink, wire.ShareReply, error) {
	var rep wire.ShareReply
	if s.cfg.Node == nil {
		// One server: a session not here is over (its run ended).
		return nil, nil, rep, refuse("no session %s on this server; share again", id)
	}
	if !s.startResuming(id) {
		return nil, nil, rep, tryAgain("session %s is being resumed already; try again", id)
	}
	defer s.doneResuming(id)
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	// Checked before the lease is taken, so that a key that may not
	// resume the session never disturbs its lease.
	if _, err := s.resumable(ctx, id, hostFP); err != nil {
		return nil, nil, rep, err
	}
	s.mu.Lock()
	full := len(s.sessions) >= s.cfg.MaxSessions
	s.mu.Unlock()
	if full {
		return nil, nil, rep, tryAgain("too many sessions on this server; try again later")
	}
	if err := s.takeLease(ctx, id); err != nil {
		if tandem.ErrorCode(err) == tandem.EConflict {
			return nil, nil, rep, tryAgain("session %s is still served by another node; try again", id)
		}
		s.log.Error("take terminal lease", "session", id, "err", err)
		return nil, nil, rep, tryAgain("cannot resume the session right now; try again")
	}
	// Read again with the lease held: a sweep that ended the session did
	// so holding it, so what is read now is final.
	t, err := s.resumable(ctx, id, hostFP)
	if err != nil {
		s.releaseLease(id, true)
		return nil, nil, rep, err
	}
	se := s.newSession(id, req, grants, hostFP, t.CreatedAt)
	se.rec = s.continueCast(se)
	link := se.newLink(conn, lc)
	se.host = link
	s.mu.Lock()
	s.sessions[id] = se
	s.mu.Unlock()
	s.obs.TerminalSessions(1)
	s.audit.add(id, "host:"+hostFP, auditResume, "taken over by "+s.nodeName()+"; "+shareDetail(req))
	s.log.Info("host resumed its session, taken over here", "session", id, "fingerprint", hostFP)
	rep = s.shareReply(se)
	rep.Resumed = true
	return se, link, rep, nil
}

// resumable reads session id and checks that the host with key hostFP may
// resume it.
func (s *Server) resumable(ctx context.Context, id, hostFP string) (*store.Terminal, error) {
	t, err := s.cfg.Store.TerminalByID(ctx, id)
	switch {
	case tandem.ErrorCode(err) == tandem.ENotFound:
		return nil, refuse("no session %s; share again", id)
	case err != nil:
		s.log.Error("look up terminal", "session", id, "err", err)
		return nil, tryAgain("cannot look up session %s right now; try again", id)
	case !t.EndedAt.IsZero():
		return nil, refuse("session %s has ended (%s)", id, t.EndReason)
	case keyFingerprint(t.HostKey) != hostFP:
		return nil, refuse("session %s was shared with another key: this one cannot resume it", id)
	}
	return t, nil
}

// keyFingerprint is the fingerprint of an authorized_keys line, "" when
// it is not one.
func keyFingerprint(line string) string {
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return ""
	}
	return ssh.FingerprintSHA256(pk)
}

// startResuming marks id as being taken over here, so that two
// connections of one host racing to resume it make one session; false
// when one is under way.
func (s *Server) startResuming(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resuming[id] || s.sessions[id] != nil {
		return false
	}
	if s.resuming == nil {
		s.resuming = make(map[string]bool)
	}
	s.resuming[id] = true
	return true
}

func (s *Server) doneResuming(id string) {
	s.mu.Lock()
	delete(s.resuming, id)
	s.mu.Unlock()
}

// nodeName names this server in audit entries.
func (s *Server) nodeName() string {
	if s.cfg.Node == nil {
		return "this server"
	}
	return fmt.Sprintf("node %s", s.cfg.Node.ID())
}
