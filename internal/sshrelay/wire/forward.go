package wire

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// SplitForward parses a --forward value: "PORT" (a port on the host's
// loopback) or "HOST:PORT".
func SplitForward(s string) (host string, port int, err error) {
	h, p := "localhost", s
	if strings.Contains(s, ":") {
		h, p, err = net.SplitHostPort(s)
		if err != nil {
			return "", 0, fmt.Errorf("forward %q: want PORT or HOST:PORT", s)
		}
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return "", 0, fmt.Errorf("forward %q: port must be 1..65535", s)
	}
	if h == "" || len(h) > 255 || strings.ContainsAny(h, " \t\r\n/") {
		return "", 0, fmt.Errorf("forward %q: bad host", s)
	}
	return strings.ToLower(h), n, nil
}

// isLoopbackName reports whether h names the host's own loopback, so that
// an offer of "localhost:8080" matches a helper's "127.0.0.1:8080".
func isLoopbackName(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Offers reports whether the forward offers (as given to --forward) include
// host:port.
func Offers(forwards []string, host string, port int) bool {
	host = strings.ToLower(host)
	for _, f := range forwards {
		h, p, err := SplitForward(f)
		if err != nil || p != port {
			continue
		}
		if h == host || (isLoopbackName(h) && isLoopbackName(host)) {
			return true
		}
	}
	return false
}

// DirectTCPIP is the payload of a "direct-tcpip" channel open (RFC 4254 7.2).
type DirectTCPIP struct {
	Host       string
	Port       uint32
	OriginHost string
	OriginPort uint32
}

// ParseDirectTCPIP decodes a "direct-tcpip" payload and checks its fields.
func ParseDirectTCPIP(b []byte) (*DirectTCPIP, error) {
	var d DirectTCPIP
	if err := ssh.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("malformed direct-tcpip request")
	}
	if d.Port < 1 || d.Port > 65535 {
		return nil, fmt.Errorf("port %d out of range", d.Port)
	}
	if d.Host == "" || len(d.Host) > 255 || strings.ContainsAny(d.Host, " \t\r\n/\x00") {
		return nil, fmt.Errorf("bad target host %q", d.Host)
	}
	return &d, nil
}

// Address returns the target as "host:port".
func (d *DirectTCPIP) Address() string {
	return net.JoinHostPort(d.Host, strconv.Itoa(int(d.Port)))
}

// WindowChange is the payload of a "window-change" request (RFC 4254 6.7).
type WindowChange struct {
	Cols, Rows, Width, Height uint32
}

// ParseWindowChange decodes a "window-change" payload and clamps nothing: a
// size out of range is an error.
func ParseWindowChange(b []byte) (cols, rows int, err error) {
	var w WindowChange
	if err := ssh.Unmarshal(b, &w); err != nil {
		return 0, 0, fmt.Errorf("malformed window-change request")
	}
	return checkSize(w.Cols, w.Rows)
}

// PtyRequest is the payload of a "pty-req" request (RFC 4254 6.2).
type PtyRequest struct {
	Term                      string
	Cols, Rows, Width, Height uint32
	Modes                     string
}

// ParsePtyRequest decodes a "pty-req" payload.
func ParsePtyRequest(b []byte) (term string, cols, rows int, err error) {
	var p PtyRequest
	if err := ssh.Unmarshal(b, &p); err != nil {
		return "", 0, 0, fmt.Errorf("malformed pty-req request")
	}
	if len(p.Term) > MaxName {
		return "", 0, 0, fmt.Errorf("TERM too long")
	}
	// A client that does not know its size sends 0x0; treat it as 80x24.
	if p.Cols == 0 && p.Rows == 0 {
		p.Cols, p.Rows = 80, 24
	}
	cols, rows, err = checkSize(p.Cols, p.Rows)
	return p.Term, cols, rows, err
}

func checkSize(c, r uint32) (int, int, error) {
	if c < 1 || c > MaxCols || r < 1 || r > MaxRows {
		return 0, 0, fmt.Errorf("window size %dx%d out of range", c, r)
	}
	return int(c), int(r), nil
}

// MarshalWindowChange encodes a window-change payload.
func MarshalWindowChange(cols, rows int) []byte {
	return ssh.Marshal(&WindowChange{Cols: uint32(cols), Rows: uint32(rows)})
}
