package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/turnserver"
)

// ICEConfig says which STUN/TURN servers calls use.
type ICEConfig struct {
	// TURNAddr is the embedded TURN server's UDP address ("off" for none).
	TURNAddr string
	// TURNPublicHost is how browsers reach it (TURNAddr's host).
	TURNPublicHost string
	// TURNRelayIP is the address relays are given (TURNAddr's IP).
	TURNRelayIP string
	// ExternalURLs are other STUN/TURN URLs, e.g. "stun:stun.example.com:3478".
	ExternalURLs []string
	// ExternalUsername and ExternalCredential go with ExternalURLs.
	ExternalUsername, ExternalCredential string
}

// iceServers combines the embedded TURN server with configured ones.
type iceServers struct {
	turn  *turnserver.Server
	extra []assist.ICEServer
}

// ICEServers gives member the configured servers and, with the embedded
// TURN server, credentials of its own for this call.
func (i *iceServers) ICEServers(callID, member string, ttl time.Duration) []assist.ICEServer {
	out := append([]assist.ICEServer(nil), i.extra...)
	if i.turn != nil {
		c := i.turn.Credentials(callID, member, ttl)
		out = append(out, assist.ICEServer{URLs: c.URLs, Username: c.Username, Credential: c.Credential})
	}
	return out
}

// LeaveCall revokes member's embedded TURN credentials and relays.
func (i *iceServers) LeaveCall(callID, member string) {
	if i.turn != nil {
		i.turn.LeaveCall(callID, member)
	}
}

// EndCall revokes the call's embedded TURN credentials and relays.
func (i *iceServers) EndCall(callID string) {
	if i.turn != nil {
		i.turn.EndCall(callID)
	}
}

func (i *iceServers) close() {
	if i.turn != nil {
		_ = i.turn.Close()
	}
}

// startICE starts the embedded TURN server unless it is off.
func startICE(cfg ICEConfig, secret []byte, log *slog.Logger) (*iceServers, error) {
	ice := &iceServers{}
	for _, u := range cfg.ExternalURLs {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
			return nil, fmt.Errorf("ICE server %q is not a stun, turn or turns URL", u)
		}
		ice.extra = append(ice.extra, assist.ICEServer{URLs: []string{u}, Username: cfg.ExternalUsername, Credential: cfg.ExternalCredential})
	}
	if off(cfg.TURNAddr) {
		return ice, nil
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("turn"))
	t, err := turnserver.Start(turnserver.Config{
		Addr: cfg.TURNAddr, RelayIP: cfg.TURNRelayIP, PublicHost: cfg.TURNPublicHost, Secret: m.Sum(nil), Logger: log,
	})
	if err != nil {
		if le := listenFailure("turn-addr", cfg.TURNAddr, err); le != nil {
			return nil, le
		}
		return nil, err
	}
	ice.turn = t
	return ice, nil
}
