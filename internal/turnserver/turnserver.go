// Package turnserver is Tandem's embedded TURN server (pion/turn), so that
// calls between a person and agents connect when the peers cannot reach each
// other directly.
//
// Credentials are per call and short-lived (the TURN REST scheme: the
// username is "expiry:callID" and the password an HMAC of it), and stop
// working as soon as the call ends. Relays only carry traffic between the
// relay addresses of this server (the call's peers) and public addresses:
// a client cannot use the server to reach loopback or private addresses of
// the server's own network.
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
	"sync"
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
	// AllowPrivatePeers lets relays reach loopback and private addresses
	// other than this server's own relays. Off by default.
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
	cfg    Config
	turn   *turn.Server
	conn   net.PacketConn
	relays *relaySet

	mu    sync.Mutex
	calls map[string]bool // calls whose credentials are valid
	now   func() time.Time
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
	s := &Server{cfg: cfg, conn: conn, relays: newRelaySet(), calls: map[string]bool{}, now: time.Now}
	listenIP := laddr.IP.String()
	s.turn, err = turn.NewServer(turn.ServerConfig{
		Realm:       cfg.Realm,
		AuthHandler: s.authenticate,
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn: conn,
			RelayAddressGenerator: &guardedRelays{
				inner:  &turn.RelayAddressGeneratorStatic{RelayAddress: relayIP, Address: listenIP},
				relays: s.relays,
				allow:  cfg.AllowPrivatePeers,
			},
			PermissionHandler: s.permit,
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

// Credentials returns ICE servers for one participant of a call, valid for
// ttl or until EndCall, whichever comes first.
func (s *Server) Credentials(callID string, ttl time.Duration) ICEServer {
	s.mu.Lock()
	s.calls[callID] = true
	s.mu.Unlock()
	username := strconv.FormatInt(s.now().Add(ttl).Unix(), 10) + ":" + callID
	host := s.cfg.PublicHost
	return ICEServer{
		URLs:       []string{"turn:" + host + "?transport=udp", "stun:" + host},
		Username:   username,
		Credential: s.password(username),
	}
}

// EndCall makes the call's credentials useless for new allocations.
func (s *Server) EndCall(callID string) {
	s.mu.Lock()
	delete(s.calls, callID)
	s.mu.Unlock()
}

func (s *Server) password(username string) string {
	m := hmac.New(sha1.New, s.cfg.Secret)
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// authenticate implements turn.AuthHandler for the REST credential scheme.
func (s *Server) authenticate(username, realm string, src net.Addr) ([]byte, bool) {
	expiry, callID, ok := strings.Cut(username, ":")
	if !ok {
		return nil, false
	}
	t, err := strconv.ParseInt(expiry, 10, 64)
	if err != nil || s.now().Unix() > t {
		return nil, false
	}
	s.mu.Lock()
	live := s.calls[callID]
	s.mu.Unlock()
	if !live {
		s.cfg.Logger.Info("turn: credentials of an ended call refused", "src", src)
		return nil, false
	}
	return turn.GenerateAuthKey(username, realm, s.password(username)), true
}

// permit decides which peer IPs a client may create permissions for.
func (s *Server) permit(client net.Addr, peer net.IP) bool {
	return s.cfg.AllowPrivatePeers || publicIP(peer) || s.relays.hasIP(peer)
}

func publicIP(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsMulticast())
}
