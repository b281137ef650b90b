// Package cluster is what the nodes of one Tandem installation say to each
// other directly: a node that receives a client of a session another node
// owns passes the client's requests and connections to the owner. This
// file is how the owner knows such a request comes from a node of its own
// installation (Auth), so that it may believe what the forwarding node
// says about the client (its address, an SSH key it verified).
package cluster

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header carries a node's signature of a request it sends to another node:
// "v1 NODEID UNIXSECONDS MAC".
const Header = "Tandem-Node"

// ClientAddrHeader is the client's address as the forwarding node resolved
// it. It is signed with the request, and believed only when the signature
// is good: a client that sends it itself is ignored.
const ClientAddrHeader = "Tandem-Client-Addr"

// MaxSkew is how far a signed request's time may be from the receiver's
// clock. Nodes' clocks may differ by seconds; a signature older than this
// cannot be replayed.
const MaxSkew = 5 * time.Minute

// Auth signs the requests this node sends to other nodes and checks those
// it receives. Its key is derived from the installation's shared signing
// key, so that every node has it and nothing else does.
type Auth struct {
	key    []byte
	nodeID string
	now    func() time.Time
}

// NewAuth returns the Auth of node nodeID, from the installation's shared
// signing key. now is the clock (time.Now when nil).
func NewAuth(signingKey []byte, nodeID string, now func() time.Time) (*Auth, error) {
	if len(signingKey) < 16 {
		return nil, errors.New("cluster auth: the signing key is too short")
	}
	if nodeID == "" || strings.ContainsAny(nodeID, " \t\r\n") {
		return nil, fmt.Errorf("cluster auth: node id %q is empty or has spaces", nodeID)
	}
	if now == nil {
		now = time.Now
	}
	m := hmac.New(sha256.New, signingKey)
	m.Write([]byte("tandem node-to-node requests v1"))
	return &Auth{key: m.Sum(nil), nodeID: nodeID, now: now}, nil
}

// NodeID is the id this Auth signs as.
func (a *Auth) NodeID() string { return a.nodeID }

// Sign signs r as sent by this node: its method, host, request URI and
// the client address header (set it first). The body is not signed: the
// request goes over the connection the signature came with.
func (a *Auth) Sign(r *http.Request) {
	ts := strconv.FormatInt(a.now().Unix(), 10)
	r.Header.Set(Header, "v1 "+a.nodeID+" "+ts+" "+a.mac(r, a.nodeID, ts))
}

// Verify checks the signature of r and returns the id of the node that
// sent it. A request without the header gets ErrUnsigned; one with a bad
// or stale signature gets another error (treat both as not from a node).
func (a *Auth) Verify(r *http.Request) (string, error) {
	v := r.Header.Get(Header)
	if v == "" {
		return "", ErrUnsigned
	}
	f := strings.Split(v, " ")
	if len(f) != 4 || f[0] != "v1" {
		return "", errors.New("cluster auth: malformed " + Header + " header")
	}
	node, ts, mac := f[1], f[2], f[3]
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", errors.New("cluster auth: malformed time")
	}
	if d := a.now().Sub(time.Unix(sec, 0)); d > MaxSkew || d < -MaxSkew {
		return "", fmt.Errorf("cluster auth: signature time is %v away from this node's clock", d.Round(time.Second))
	}
	want := a.mac(r, node, ts)
	if !hmac.Equal([]byte(mac), []byte(want)) {
		return "", errors.New("cluster auth: bad signature")
	}
	return node, nil
}

// ErrUnsigned is Verify's error for a request no node signed.
var ErrUnsigned = errors.New("cluster auth: the request is not signed by a node")

func (a *Auth) mac(r *http.Request, node, ts string) string {
	m := hmac.New(sha256.New, a.key)
	for _, part := range []string{r.Method, r.Host, r.URL.RequestURI(), r.Header.Get(ClientAddrHeader), node, ts} {
		// Lengths first, so that no two lists of parts sign alike.
		fmt.Fprintf(m, "%d:%s\n", len(part), part)
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
