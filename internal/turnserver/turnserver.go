// Package turnserver is Tandem's embedded TURN server (pion/turn), so that
// calls between a person and agents connect when the peers cannot reach each
// other directly.
//
// Every member of a call gets credentials of its own, short-lived (the TURN
// REST scheme: the username is "expiry:callID:member" and the password an
// HMAC of it). When a member leaves, or the call ends, its credentials stop
// working and the relays allocated with them close, which ends their
// allocations. Relays only carry traffic between the relay addresses of this
// server (the call's peers) and public addresses: permissions for any
// address of the IANA special-purpose registries are refused (special.go),
// so a client cannot use the server to reach loopback, private, metadata or
// other non-public addresses of the server's network.
package turnserver

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pion/turn/v4"
)

// Config configures the server.
type Config struct {
	// Addr is the UDP listen address, e.g. "127.0.0.1:3478" or "0.0.0.0:3478".
	Addr string
	// RelayIP is the address given to peers for relayed traffic; by default
	// Addr's IP (which must then not be unspecified).
	RelayIP string
	// PublicHost is the host clients use to reach the server (RelayIP).
	PublicHost string
	// Realm is the TURN realm ("tandem").
	Realm string
	// Secret signs credentials; at least 16 bytes.
	Secret []byte
	// AllowPrivatePeers lets relays reach special-purpose addresses
	// (loopback, private, link-local…) and every port of this server's own
	// IP, for a lab or LAN where the peers have no public address. Off by
	// default.
	AllowPrivatePeers bool
	Logger            *slog.Logger
}

// ICEServer is what a browser's RTCPeerConnection takes in iceServers.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Server is a running TURN server.
type Server struct {
	cfg  Config
	turn *turn.Server
	conn net.PacketConn
	reg  *registry
	gen  *guardedRelays
	now  func() time.Time
}

// Start listens and serves until Close.
func Start(cfg Config) (*Server, error) {
	if len(cfg.Secret) < 16 {
		return nil, fmt.Errorf("turn: secret must be at least 16 bytes")
	}
	if cfg.Realm == "" {
		cfg.Realm = "tandem"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	conn, err := net.ListenPacket("udp4", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("turn: listen: %w", err)
	}
	laddr := conn.LocalAddr().(*net.UDPAddr)
	if cfg.RelayIP == "" {
		if laddr.IP.IsUnspecified() {
			conn.Close()
			return nil, fmt.Errorf("turn: set a relay IP when listening on %s", cfg.Addr)
		}
		cfg.RelayIP = laddr.IP.String()
	}
	relayIP := net.ParseIP(cfg.RelayIP)
	if relayIP == nil {
		conn.Close()
		return nil, fmt.Errorf("turn: relay IP %q is not an IP address", cfg.RelayIP)
	}
	if cfg.PublicHost == "" {
		cfg.PublicHost = net.JoinHostPort(cfg.RelayIP, strconv.Itoa(laddr.Port))
	} else if _, _, err := net.SplitHostPort(cfg.PublicHost); err != nil {
		cfg.PublicHost = net.JoinHostPort(cfg.PublicHost, strconv.Itoa(laddr.Port))
	}
	gate := &gatedConn{PacketConn: conn}
	s := &Server{cfg: cfg, conn: conn, reg: newRegistry(), now: time.Now}
	s.reg.gate = gate
	s.gen = &guardedRelays{
		inner: &turn.RelayAddressGeneratorStatic{RelayAddress: relayIP, Address: laddr.IP.String()},
		reg:   s.reg,
		allow: cfg.AllowPrivatePeers,
	}
	s.turn, err = turn.NewServer(turn.ServerConfig{
		Realm:        cfg.Realm,
		AuthHandler:  s.authenticate,
		EventHandler: turn.EventHandler{OnAllocationCreated: s.allocated},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            gate,
			RelayAddressGenerator: s.gen,
			PermissionHandler:     s.permit,
		}},
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("turn: %w", err)
	}
	return s, nil
}

// Addr is the UDP address the server listens on.
func (s *Server) Addr() string { return s.conn.LocalAddr().String() }

// Close stops the server and every relay.
func (s *Server) Close() error { return s.turn.Close() }

// Credentials returns ICE servers for one member of a call, with
// credentials of that member's own, valid for ttl or until LeaveCall or
// EndCall, whichever comes first. Call and member IDs must not contain ":".
func (s *Server) Credentials(callID, member string, ttl time.Duration) ICEServer {
	s.reg.allow(grant{callID, member})
	username := strconv.FormatInt(s.now().Add(ttl).Unix(), 10) + ":" + callID + ":" + member
	host := s.cfg.PublicHost
	return ICEServer{
		URLs:       []string{"turn:" + host + "?transport=udp", "stun:" + host},
		Username:   username,
		Credential: s.password(username),
	}
}

// LeaveCall revokes one member's credentials and closes the relays it
// allocated with them.
func (s *Server) LeaveCall(callID, member string) { s.reg.revoke(callID, member, false) }

// EndCall revokes the credentials of every member of the call and closes
// their relays.
func (s *Server) EndCall(callID string) { s.reg.revoke(callID, "", true) }

func (s *Server) password(username string) string {
	m := hmac.New(sha1.New, s.cfg.Secret)
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// parseUsername splits a REST username into its expiry and grant.
func parseUsername(username string) (expiry int64, g grant, ok bool) {
	parts := strings.Split(username, ":")
	if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
		return 0, grant{}, false
	}
	t, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return 0, grant{}, false
	}
	return t, grant{parts[1], parts[2]}, true
}

// authenticate implements turn.AuthHandler for the REST credential scheme.
// pion calls it for every authenticated request (allocate, refresh,
// permission, channel bind), so a revoked member can do none of them.
func (s *Server) authenticate(username, realm string, src net.Addr) ([]byte, bool) {
	expiry, g, ok := parseUsername(username)
	if !ok || s.now().Unix() > expiry {
		return nil, false
	}
	if !s.reg.allowed(g) {
		s.cfg.Logger.Info("turn: revoked credentials refused", "src", src)
		return nil, false
	}
	return turn.GenerateAuthKey(username, realm, s.password(username)), true
}

// allocated ties a new allocation's relay to the member that made it (a
// username that does not parse, which authentication rules out, names no
// member and gets the relay closed).
func (s *Server) allocated(src, dst net.Addr, protocol, username, realm string, relay net.Addr, port int) {
	_, g, _ := parseUsername(username)
	s.reg.adopt(relay, g)
}

// permit decides which peer IPs a client may create permissions for.
func (s *Server) permit(client net.Addr, peer net.IP) bool {
	if s.cfg.AllowPrivatePeers || s.reg.isRelayIP(peer) {
		return true
	}
	if r, special := specialPeer(peer); special {
		// Browsers ask for their peers' private host candidates in every
		// call, so this is routine: debug level.
		s.cfg.Logger.Debug("turn: permission refused", "client", client, "peer", peer, "block", r.prefix, "name", r.name)
		return false
	}
	return true
}
