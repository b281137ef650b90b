package sshrelay

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/cluster"
)

// ServePeerJoin serves PeerJoinPath: another node of the installation,
// which terminated a helper's SSH connection and verified their key, asks
// to join them to a session this node runs. The request must be signed by
// a node (cluster.Auth), which is why this node believes the key and the
// helper's address. The key is checked here with the session's own rules
// (admitKey), and a refusal is answered with the text the helper is to be
// shown (403). When the key may join, the connection switches to SSH with
// the other node as the client, and the helper is served on it by the code
// that serves a helper connected here (serveHelper): no second key check,
// the identity is the one the signed request named.
func (s *Server) ServePeerJoin(w http.ResponseWriter, r *http.Request) {
	if s.cfg.NodeAuth == nil {
		s.fail(w, r, tandem.Errorf(tandem.ENotFound, "this server takes no helpers from other nodes"))
		return
	}
	// Verified already when the HTTP server checks signatures
	// (cluster.Auth.Trust); checked here otherwise.
	from, ok := cluster.ForwardedBy(r)
	var err error
	if !ok {
		from, err = s.cfg.NodeAuth.Verify(r)
	}
	if err != nil {
		s.log.Warn("refused a helper passed without a node's signature", "remote", r.RemoteAddr, "err", err)
		s.fail(w, r, tandem.Errorf(tandem.EUnauthorized, "only the nodes of this installation may pass helpers"))
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), peerUpgrade) {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "the request must ask to upgrade to %s", peerUpgrade))
		return
	}
	if me, asked := s.cfg.NodeAuth.NodeID(), r.URL.Query().Get("node"); asked != me {
		s.log.Error("a node asked another node here: check --node-url", "asked", logSafe(asked), "this", me, "from", logSafe(from))
		s.fail(w, r, tandem.Errorf(tandem.EConflict, "this is node %s, not %s: check the nodes' --node-url", me, sanitize(asked, 60)))
		return
	}
	id, err := ParseSessionID(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "%v", err))
		return
	}
	raw, err := base64.RawURLEncoding.DecodeString(r.URL.Query().Get("key"))
	if err != nil {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "key is not base64url"))
		return
	}
	key, err := ssh.ParsePublicKey(raw)
	if err != nil {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "key is not an SSH public key"))
		return
	}
	perms, err := s.admitPassed(r.Context(), id, key)
	if err != nil {
		var be *ssh.BannerError
		if errors.As(err, &be) {
			err = be.Err
		}
		s.fail(w, r, err)
		return
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.log.Error("take over a node's connection", "session", id, "node", logSafe(from), "err", err)
		s.fail(w, r, tandem.Errorf(tandem.EInternal, "cannot switch protocols"))
		return
	}
	if !s.trackPassed(nc) {
		nc.Close()
		return
	}
	defer s.wg.Done()
	defer s.untrack(nc)
	// The HTTP server's timeouts no longer apply; the handshake's does.
	nc.SetDeadline(time.Now().Add(handshakeTimeout))
	if _, err := nc.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + peerUpgrade + "\r\n\r\n")); err != nil {
		return
	}
	pc := &passedConn{Conn: nc, r: brw.Reader, remote: textAddr(r.Header.Get(cluster.ClientAddrHeader))}
	cfg := *s.ssh
	cfg.NoClientAuth = true
	cfg.NoClientAuthCallback = func(meta ssh.ConnMetadata) (*ssh.Permissions, error) {
		if meta.User() != id {
			return nil, errors.New("the SSH user is not the session the request named")
		}
		return perms, nil
	}
	conn, chans, reqs, err := ssh.NewServerConn(pc, &cfg)
	if err != nil {
		s.log.Warn("SSH from a node passing a helper", "session", id, "node", logSafe(from), "err", logSafe(err.Error()))
		return
	}
	nc.SetDeadline(time.Time{})
	defer conn.Close()
	// The other node uses this connection once the helper proved their
	// key there; until then nothing is opened on it.
	s.log.Info("a node passes a helper", "session", id, "node", logSafe(from), "fingerprint", perms.Extensions[extKey])
	s.serveHelper(conn, chans, reqs)
}

// admitPassed decides whether key may join session id, for another node:
// never passed on again, so that no helper goes round between nodes.
func (s *Server) admitPassed(ctx context.Context, id string, key ssh.PublicKey) (*ssh.Permissions, error) {
	if se := s.session(id); se != nil {
		return se.admitKey(ctx, key)
	}
	t, err := s.cfg.Store.TerminalByID(ctx, id)
	if err == nil && !t.EndedAt.IsZero() {
		return nil, joinError("session %s has ended (%s)", id, t.EndReason)
	}
	// Its host moved to another node, or is on its way back: the lease
	// the other node read is stale.
	return nil, joinError("session %s is moving to another server; try again in a few seconds", id)
}

// trackPassed counts a connection from another node among the server's
// connections (closed and waited for by Close), unless the server closed.
func (s *Server) trackPassed(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	// Under the lock that Close takes before it waits: never an Add
	// after the Wait began.
	s.wg.Add(1)
	return true
}
