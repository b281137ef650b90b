// Package wire is the small protocol between `tandem share` (the host) and
// the SSH relay in `tandem serve`, on top of an ordinary SSH connection. It is
// shared by both sides so that the names and JSON shapes cannot drift.
//
// The host logs in as HostUser with its own key, then:
//
//  1. sends the global request RequestShare (JSON ShareRequest) and gets back
//     a ShareReply in the reply payload: the session exists from then on;
//  2. opens a ChannelTerminal channel whose extra data is the session id.
//     Its data is the terminal: the PTY's output host → server, helpers'
//     input server → host. The host sends "window-change" requests on it
//     (RFC 4254 payload) and, when its program has ended, an Exit request
//     before its EOF; the server sends RequestEvent (JSON Event, no
//     reply) and RequestApprove (JSON Event, reply true to let the joiner
//     in, false to turn them away);
//  3. accepts "direct-tcpip" channels the server opens to reach what the host
//     offered with --forward or --proxy.
//
// A host whose connection dropped (or that the server told to reconnect,
// EventReconnect) connects again, possibly to another server of the
// installation, and sends a ShareRequest with Resume set to its session id:
// the session goes on under the same id if it is not over, the key is the
// one that started it, and no other server holds it. A server that does not
// know Resume (an older one) starts a new session instead, which the host
// sees by the id in the reply.
package wire

import (
	"encoding/json"
	"fmt"
)

// Names on the SSH connection between host and server.
const (
	HostUser        = "tandem-host"
	RequestShare    = "share@tandem"
	ChannelTerminal = "terminal@tandem"
	RequestEvent    = "event@tandem"
	RequestApprove  = "approve@tandem"
	Version         = 1
)

// Limits on what a host may send, so that a malformed or hostile request is
// refused instead of costing memory.
const (
	MaxShareRequest = 256 << 10
	MaxKeys         = 256
	MaxForwards     = 64
	MaxName         = 128
	MaxCommand      = 1024
	MaxCols         = 1000
	MaxRows         = 500
)

// ShareRequest registers a host's terminal as a session.
type ShareRequest struct {
	Version  int    `json:"version"`
	HostName string `json:"hostName"`
	Command  string `json:"command"`
	Term     string `json:"term,omitempty"`
	Cols     int    `json:"cols"`
	Rows     int    `json:"rows"`
	// ReadOnly makes every helper a watcher whose input is dropped.
	ReadOnly bool `json:"readOnly,omitempty"`
	// Approve asks the host to let each joiner in.
	Approve bool `json:"approve,omitempty"`
	// AuthorizedKeys are authorized_keys lines of helpers who may join.
	AuthorizedKeys []string `json:"authorizedKeys,omitempty"`
	// ReadOnlyKeys are authorized_keys lines of helpers who may only watch.
	ReadOnlyKeys []string `json:"readOnlyKeys,omitempty"`
	// AllowAgents lets the server's agents join with their registered keys
	// and from the console.
	AllowAgents bool `json:"allowAgents,omitempty"`
	// Forwards are the "host:port" addresses helpers may reach through the
	// host with ssh -L.
	Forwards []string `json:"forwards,omitempty"`
	// Proxy lets helpers ask for any address (ssh -D); the host decides.
	Proxy bool `json:"proxy,omitempty"`
	// RecordInput keeps what helpers type in the recording and the audit
	// log. Off, only how many bytes they typed is kept: input can be a
	// password typed at a prompt that does not echo it.
	RecordInput bool `json:"recordInput,omitempty"`
	// Resume is the id of the session this host shares already and asks to
	// go on with after its connection dropped; "" starts a new session.
	Resume string `json:"resume,omitempty"`
}

// ShareReply is the server's answer to a ShareRequest.
type ShareReply struct {
	SessionID   string `json:"sessionId,omitempty"`
	JoinCommand string `json:"joinCommand,omitempty"`
	WebURL      string `json:"webUrl,omitempty"`
	Error       string `json:"error,omitempty"`
	// Retry says that a refusal is for now (the server is restarting,
	// another server still holds the session, the store did not answer):
	// the host may try again, through any server. Without it a refused
	// resume is final (the session ended, or is not this host's).
	Retry bool `json:"retry,omitempty"`
	// Resumed says the session is the one the request asked to resume.
	Resumed bool `json:"resumed,omitempty"`
	// KeptScreen says that the server kept its model of the screen across
	// the drop (the same server, the session never left it): the host may
	// send the output it held back as it is. Without it the host redraws
	// its screen first.
	KeptScreen bool `json:"keptScreen,omitempty"`
	// GraceMillis is how long the server waits for a host whose connection
	// dropped before it ends the session; 0 from servers that do not wait.
	GraceMillis int64 `json:"graceMillis,omitempty"`
}

// Event tells the host what happens in its session.
type Event struct {
	Type        string `json:"type"` // "join", "leave", "approve", "message"
	Name        string `json:"name,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Via         string `json:"via,omitempty"` // "ssh" or "web"
	ReadOnly    bool   `json:"readOnly,omitempty"`
	Helpers     int    `json:"helpers"`
	Text        string `json:"text,omitempty"`
}

// Event types.
const (
	EventJoin    = "join"
	EventLeave   = "leave"
	EventApprove = "approve"
	EventMessage = "message"
	// EventReconnect tells the host that this server stops serving the
	// session (it is restarting) and closes the connection: the host
	// resumes the session at once, through any server. Text says why.
	EventReconnect = "reconnect"
)

// ParseShareRequest decodes and checks a host's request. The error says
// what is wrong so that the host can show it.
func ParseShareRequest(b []byte) (*ShareRequest, error) {
	if len(b) > MaxShareRequest {
		return nil, fmt.Errorf("share request too large (%d bytes, at most %d)", len(b), MaxShareRequest)
	}
	var r ShareRequest
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("malformed share request: %v", err)
	}
	switch {
	case r.Version != Version:
		return nil, fmt.Errorf("unsupported protocol version %d (this server speaks %d)", r.Version, Version)
	case len(r.HostName) > MaxName:
		return nil, fmt.Errorf("host name longer than %d bytes", MaxName)
	case len(r.Command) > MaxCommand:
		return nil, fmt.Errorf("command longer than %d bytes", MaxCommand)
	case len(r.Term) > MaxName:
		return nil, fmt.Errorf("TERM longer than %d bytes", MaxName)
	case r.Cols < 1 || r.Cols > MaxCols || r.Rows < 1 || r.Rows > MaxRows:
		return nil, fmt.Errorf("window size %dx%d out of range (1..%d x 1..%d)", r.Cols, r.Rows, MaxCols, MaxRows)
	case len(r.AuthorizedKeys)+len(r.ReadOnlyKeys) > MaxKeys:
		return nil, fmt.Errorf("more than %d authorized keys", MaxKeys)
	case len(r.Forwards) > MaxForwards:
		return nil, fmt.Errorf("more than %d forwards", MaxForwards)
	case len(r.Resume) > MaxName:
		return nil, fmt.Errorf("session id to resume longer than %d bytes", MaxName)
	}
	for _, f := range r.Forwards {
		if _, _, err := SplitForward(f); err != nil {
			return nil, err
		}
	}
	return &r, nil
}
