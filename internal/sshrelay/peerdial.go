package sshrelay

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/cluster"
	"github.com/tandemhq/tandem/internal/store"
)

// PeerJoinPath is the HTTP path, on the node that runs a session, where
// another node of the installation passes it a helper whose SSH connection
// it terminated and whose key it verified (see ServePeerJoin). {id} is the
// session id; the query's key is the helper's public key (SSH wire format,
// base64url without padding) and its node the id of the node asked. Only
// nodes may use it: requests are signed with cluster.Auth.
const PeerJoinPath = "/cluster/v1/terminals/{id}/join"

// peerUpgrade is the protocol the connection to PeerJoinPath switches to:
// SSH, the passing node as the client.
const peerUpgrade = "tandem-ssh-helper"

// peerTimeout bounds reaching a session's node for a helper: connecting,
// its answer and the SSH handshake. A node that does not answer by then is
// taken as gone, and the helper is told to try again.
const peerTimeout = 5 * time.Second

// peerAnswerMax bounds the refusal a node's answer may carry.
const peerAnswerMax = 4 << 10

// upstream is the SSH connection through which this node passes one
// helper to the node that runs their session.
type upstream struct {
	fp    string // the helper's key
	perms *ssh.Permissions
	node  string // the other node's URL, for logs
	conn  ssh.Conn
	chans <-chan ssh.NewChannel
	reqs  <-chan *ssh.Request
}

// peerJoins is what one helper connection asked the session's node, by
// key. x/crypto asks about a key more than once (when the client offers it,
// then when it signs with it), so the node is asked once per key, and the
// connection to it is kept for the last key it let in, until the helper
// proves they hold that key (take) or the handshake ends (close).
type peerJoins struct {
	mu      sync.Mutex
	refused map[string]error // by fingerprint; MaxAuthTries bounds it
	up      *upstream
}

// take hands over the upstream of the key the helper authenticated with.
func (j *peerJoins) take(perms *ssh.Permissions) *upstream {
	j.mu.Lock()
	defer j.mu.Unlock()
	up := j.up
	if up == nil || perms == nil || perms.Extensions[extKey] != up.fp {
		return nil
	}
	j.up = nil
	return up
}

// close closes an upstream nobody took: the helper did not prove the key.
func (j *peerJoins) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.up != nil {
		j.up.conn.Close()
		j.up = nil
	}
}

// joinVia asks the node that holds the session's lease (owner) whether key
// may join the session, and keeps the connection it opens for the helper.
// The owner decides with its own grants (the host's keys, agents' keys,
// --approve); its refusal is the helper's.
func (s *Server) joinVia(ctx context.Context, owner store.Lease, meta ssh.ConnMetadata, key ssh.PublicKey, joins *peerJoins) (*ssh.Permissions, error) {
	fp := ssh.FingerprintSHA256(key)
	joins.mu.Lock()
	defer joins.mu.Unlock()
	if joins.up != nil && joins.up.fp == fp {
		return joins.up.perms, nil
	}
	if err, ok := joins.refused[fp]; ok {
		return nil, err
	}
	up, err := s.dialOwner(ctx, owner, meta, key)
	if err != nil {
		if joins.refused == nil {
			joins.refused = make(map[string]error)
		}
		joins.refused[fp] = err
		return nil, err
	}
	if joins.up != nil {
		// One upstream per helper connection: the last key let in.
		joins.up.conn.Close()
	}
	joins.up = up
	return up.perms, nil
}

// dialOwner opens the connection that passes a helper to owner's node: an
// HTTP request signed as this node, naming the session and the helper's
// key, which the node answers with a refusal or by switching the
// connection to SSH, on which this node is the client.
func (s *Server) dialOwner(ctx context.Context, owner store.Lease, meta ssh.ConnMetadata, key ssh.PublicKey) (*upstream, error) {
	id := owner.SessionID
	gone := joinError("the server of session %s does not answer; try again in a few seconds", id)
	ctx, cancel := context.WithTimeout(ctx, peerTimeout)
	defer cancel()
	u, err := url.Parse(owner.NodeURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		s.log.Error("a node's URL is not http(s)", "session", id, "node", logSafe(owner.NodeURL))
		return nil, gone
	}
	target := u.JoinPath(strings.Replace(PeerJoinPath, "{id}", id, 1))
	// The node is named too: a node URL that leads elsewhere (a shared
	// --node-url, a balancer's) is found out, not obeyed.
	target.RawQuery = url.Values{
		"key":  {base64.RawURLEncoding.EncodeToString(key.Marshal())},
		"node": {owner.Node},
	}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		s.log.Error("join request", "session", id, "err", err)
		return nil, gone
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", peerUpgrade)
	req.Header.Set(cluster.ClientAddrHeader, meta.RemoteAddr().String())
	s.cfg.NodeAuth.Sign(req)

	c, err := dialNode(ctx, u)
	if err != nil {
		s.log.Warn("the node of a session does not answer", "session", id, "node", owner.NodeURL, "err", err)
		return nil, gone
	}
	ok := false
	defer func() {
		if !ok {
			c.Close()
		}
	}()
	deadline, _ := ctx.Deadline()
	c.SetDeadline(deadline)
	if err := req.Write(c); err != nil {
		s.log.Warn("send a join to the node of a session", "session", id, "node", owner.NodeURL, "err", err)
		return nil, gone
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		s.log.Warn("read the answer of the node of a session", "session", id, "node", owner.NodeURL, "err", err)
		return nil, gone
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, s.peerRefusal(resp, owner, gone)
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), peerUpgrade) {
		s.log.Error("the node of a session switched to another protocol", "session", id, "node", owner.NodeURL, "upgrade", logSafe(resp.Header.Get("Upgrade")))
		return nil, gone
	}
	version := string(meta.ClientVersion())
	if !strings.HasPrefix(version, "SSH-2.0-") {
		version = "" // x/crypto's own
	}
	conn, chans, reqs, err := ssh.NewClientConn(&passedConn{Conn: c, r: br}, u.Host, &ssh.ClientConfig{
		User: id,
		// Nodes share the host key: what answers with another is no node.
		HostKeyCallback: ssh.FixedHostKey(s.hostKey.PublicKey()),
		ClientVersion:   version,
	})
	if err != nil {
		s.log.Error("SSH to the node of a session", "session", id, "node", owner.NodeURL, "err", err)
		return nil, gone
	}
	c.SetDeadline(time.Time{})
	ok = true
	fp := ssh.FingerprintSHA256(key)
	return &upstream{
		fp:    fp,
		perms: &ssh.Permissions{Extensions: map[string]string{extRole: rolePassed, extSession: id, extKey: fp}},
		node:  owner.NodeURL,
		conn:  conn, chans: chans, reqs: reqs,
	}, nil
}

// peerRefusal is the helper's error for a node's answer other than the
// switch: the node's own refusal (the session's rules, or that it ended or
// moved) when it gave one, else gone.
func (s *Server) peerRefusal(resp *http.Response, owner store.Lease, gone error) error {
	defer resp.Body.Close()
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, peerAnswerMax))
	if json.Unmarshal(raw, &body) != nil || body.Error.Message == "" || resp.StatusCode != http.StatusForbidden {
		// Not a refusal of this helper: the node is misconfigured (its
		// key differs, terminals off) or failing. Logged for operators.
		s.log.Error("the node of a session refused to take a helper", "session", owner.SessionID, "node", owner.NodeURL,
			"status", resp.StatusCode, "answer", logSafe(string(raw)))
		return gone
	}
	// The message goes into the helper's terminal: only printable text.
	return joinError("%s", sanitize(body.Error.Message, 300))
}

// dialNode connects to the node at u (http or https).
func dialNode(ctx context.Context, u *url.URL) (net.Conn, error) {
	addr := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	d := &net.Dialer{}
	if u.Scheme == "https" {
		td := &tls.Dialer{NetDialer: d, Config: &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}}
		return td.DialContext(ctx, "tcp", addr)
	}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return c, nil
}

// passedConn is a connection between nodes that carries SSH after an HTTP
// exchange: its reads begin with what the HTTP side buffered, and its
// remote address, on the node that runs the session, is the helper's.
type passedConn struct {
	net.Conn
	r      io.Reader
	remote net.Addr
}

func (c *passedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *passedConn) RemoteAddr() net.Addr {
	if c.remote != nil {
		return c.remote
	}
	return c.Conn.RemoteAddr()
}

// textAddr is an address as another node reported it.
type textAddr string

func (a textAddr) Network() string { return "tcp" }
func (a textAddr) String() string  { return string(a) }
