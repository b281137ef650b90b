package sshrelay

import (
	"context"
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// grant is what a key may do in a session.
type grant struct {
	name     string
	readOnly bool
}

// parseGrants reads the host's authorized_keys lines into grants by
// fingerprint. A line that is not a key is an error the host is shown.
func parseGrants(keys, readOnlyKeys []string) (map[string]grant, error) {
	g := make(map[string]grant)
	for i, list := range [][]string{keys, readOnlyKeys} {
		for _, line := range list {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			pk, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
			if err != nil {
				return nil, fmt.Errorf("authorized key %.40q: %v", line, err)
			}
			fp := ssh.FingerprintSHA256(pk)
			// A key listed as both keeps the smaller right. The comment is
			// the helper's name, shown on the host's terminal and logged.
			old, seen := g[fp]
			g[fp] = grant{name: cleanName(comment), readOnly: i == 1 || (seen && old.readOnly)}
		}
	}
	return g, nil
}

// joinError is a refusal a joiner is shown, as an SSH banner before the
// authentication failure (OpenSSH prints it, also in batch mode).
func joinError(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &ssh.BannerError{Err: tandem.Errorf(tandem.EForbidden, "%s", msg), Message: "tandem: " + msg + "\r\n"}
}

// authenticate is the server's PublicKeyCallback: the host user registers a
// session; any other user name is a session id to join. joins holds what
// this connection asked other nodes (see joinVia).
func (s *Server) authenticate(meta ssh.ConnMetadata, key ssh.PublicKey, joins *peerJoins) (*ssh.Permissions, error) {
	// Only failures are counted: an address that has failed too often is
	// refused without anything being looked up, which makes guessing
	// session ids or keys slow.
	ip := remoteIP(meta.RemoteAddr())
	if !s.failures.HasLeft(ip) {
		return nil, joinError("too many failed attempts from your address; try again in a minute")
	}
	if meta.User() == wire.HostUser {
		if s.cfg.AllowHost != nil {
			if err := s.cfg.AllowHost(key); err != nil {
				s.failures.Allow(ip) // counts the failure
				return nil, joinError("this key may not share a terminal here: %v", err)
			}
		}
		return &ssh.Permissions{Extensions: map[string]string{
			extRole: roleHost,
			extKey:  strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))),
		}}, nil
	}
	perms, err := s.admit(s.ctx, meta, key, joins)
	if err != nil {
		s.failures.Allow(ip) // counts the failure
		s.log.Info("join refused", "remote", meta.RemoteAddr(), "user", logSafe(meta.User()), "client", logSafe(string(meta.ClientVersion())),
			"fingerprint", ssh.FingerprintSHA256(key), "err", logSafe(err.Error()))
		return nil, err
	}
	return perms, nil
}

// admit decides whether key may join the session named by the user name:
// here when this node runs it, else through the node that does (joinVia).
func (s *Server) admit(ctx context.Context, meta ssh.ConnMetadata, key ssh.PublicKey, joins *peerJoins) (*ssh.Permissions, error) {
	id, err := ParseSessionID(meta.User())
	if err != nil {
		return nil, joinError("%q is not a session id; join with the command the host was given (ssh -p PORT SESSIONID@HOST)", sanitize(meta.User(), 40))
	}
	if se := s.session(id); se != nil {
		return se.admitKey(ctx, key)
	}
	t, err := s.cfg.Store.TerminalByID(ctx, id)
	switch {
	case err == nil && !t.EndedAt.IsZero():
		return nil, joinError("session %s has ended (%s)", id, t.EndReason)
	case err == nil && s.cfg.Node != nil:
		owner, elsewhere, err := s.cfg.Node.Owner(ctx, id)
		switch {
		case err != nil:
			s.log.Error("look up the node of a session", "id", id, "err", err)
			return nil, joinError("cannot look up session %s right now; try again", id)
		case elsewhere && s.cfg.NodeAuth != nil:
			return s.joinVia(ctx, owner, meta, key, joins)
		case elsewhere:
			return nil, joinError("session %s is served by another node; try again", id)
		}
		// Live in the store, served nowhere: its node stopped and its host
		// has not resumed it yet.
		return nil, joinError("session %s is waiting for its host to reconnect; try again in a moment", id)
	case err == nil, tandem.ErrorCode(err) == tandem.ENotFound:
		// One server: what it does not run is not running.
		return nil, joinError("no session %s; check the id, or ask the host to share again", id)
	default:
		s.log.Error("look up terminal", "id", id, "err", err)
		return nil, joinError("cannot look up session %s right now; try again", id)
	}
}

// admitKey decides whether key may join se, as a helper of this node or
// of another node that passes the helper here (ServePeerJoin).
func (se *session) admitKey(ctx context.Context, key ssh.PublicKey) (*ssh.Permissions, error) {
	fp := ssh.FingerprintSHA256(key)
	g, actor, ok := se.grantFor(ctx, fp)
	if !ok {
		return nil, joinError("your key %s may not join session %s; send it to the host to add with --authorized-keys", fp, se.id)
	}
	return &ssh.Permissions{Extensions: map[string]string{
		extRole:     roleHelper,
		extSession:  se.id,
		extName:     g.name,
		extReadOnly: boolString(g.readOnly),
		extActor:    actor,
		extKey:      fp,
	}}, nil
}

// grantFor finds what the key with fingerprint fp may do here: a key the
// host listed, else an agent's registered key when the host allows agents,
// else (with --approve) anyone, whom the host then asks about.
func (se *session) grantFor(ctx context.Context, fp string) (grant, string, bool) {
	actor := "helper:" + fp
	g, ok := se.grants[fp]
	if !ok && se.req.AllowAgents {
		u, err := se.srv.cfg.Store.UserByKeyFingerprint(ctx, fp)
		if err == nil {
			g, ok = grant{name: u.Name}, true
		} else if tandem.ErrorCode(err) != tandem.ENotFound {
			se.srv.log.Error("look up key owner", "fingerprint", fp, "err", err)
		}
	}
	if !ok && se.req.Approve {
		g, ok = grant{}, true
	}
	if g.name == "" {
		g.name = shortFingerprint(fp)
	}
	g.readOnly = g.readOnly || se.req.ReadOnly
	return g, actor, ok
}

func shortFingerprint(fp string) string {
	fp = strings.TrimPrefix(fp, "SHA256:")
	if len(fp) > 10 {
		fp = fp[:10]
	}
	return "key " + fp
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func remoteIP(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
