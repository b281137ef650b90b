package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Bounds of what Tandem sends bots and reads back.
const (
	// DefaultTimeout bounds one request to a bot, redirects and the
	// response body included.
	DefaultTimeout = 10 * time.Second
	// MaxRedirects is how many redirects a request to a bot follows.
	MaxRedirects = 3
	// MaxResponseBytes is how much of a bot's response is read.
	MaxResponseBytes = 256 << 10
)

// ClientConfig configures NewClient. Zero fields get the defaults.
type ClientConfig struct {
	// Allow are the address ranges a request may reach although the
	// Guard refuses them by default (loopback, private, ...), from
	// --webhook-allow; see ParseAllow.
	Allow []netip.Prefix
	// Timeout bounds one request, redirects and body included
	// (DefaultTimeout).
	Timeout time.Duration
	// LookupIP, when set, resolves host names instead of the system's
	// resolver; tests point a name at an address without DNS.
	LookupIP func(ctx context.Context, host string) ([]netip.Addr, error)
}

// RefusedError is the error of a dial to an address the Guard refuses.
type RefusedError struct {
	Addr   netip.Addr
	Reason string // "loopback", "private", ...
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("address %s is %s: Tandem does not send requests there unless --webhook-allow names it", e.Addr, e.Reason)
}

// Guard decides which addresses Tandem's requests to bots may reach.
type Guard struct {
	allow []netip.Prefix
}

// NewGuard returns a Guard that refuses the addresses no bot server should
// have (see Check), except those in allow.
func NewGuard(allow []netip.Prefix) *Guard {
	return &Guard{allow: allow}
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598):
// addresses inside a provider's network, as private as RFC 1918's.
var (
	cgnat      = netip.MustParsePrefix("100.64.0.0/10")
	thisNet    = netip.MustParsePrefix("0.0.0.0/8")     // "this network" (RFC 1122); 0.0.0.0 reaches the local host
	reserved4  = netip.MustParsePrefix("240.0.0.0/4")   // reserved, and the broadcast address
	ietf4      = netip.MustParsePrefix("192.0.0.0/24")  // IETF protocol assignments
	nat64      = netip.MustParsePrefix("64:ff9b::/96")  // NAT64: an IPv4 address in IPv6 clothes
	siteLocal6 = netip.MustParsePrefix("fec0::/10")     // deprecated site-local, still routed by some
	benchmark4 = netip.MustParsePrefix("198.18.0.0/15") // network benchmarking, never public
	docs6      = netip.MustParsePrefix("2001:db8::/32") // documentation only
	teredo6    = netip.MustParsePrefix("2001::/32")     // Teredo tunnels reach IPv4 hosts behind NATs
	sixToFour  = netip.MustParsePrefix("2002::/16")     // 6to4: an IPv4 address in IPv6 clothes
	orchid6    = netip.MustParsePrefix("2001:10::/28")  // ORCHID, not routable
	discard6   = netip.MustParsePrefix("100::/64")      // discard-only
)

// Check returns nil if a request may go to a, or a *RefusedError naming
// why not: loopback, private (RFC 1918, IPv6 ULA), link-local, carrier-
// grade NAT, unspecified, multicast, reserved or otherwise non-public
// addresses are refused unless an allowed range holds a. IPv4 addresses
// written as IPv6 (mapped, NAT64, 6to4) are judged as the IPv4 address
// they carry.
func (g *Guard) Check(a netip.Addr) error {
	a = a.Unmap()
	for _, p := range g.allow {
		if p.Contains(a) {
			return nil
		}
	}
	if reason := refusal(a); reason != "" {
		return &RefusedError{Addr: a, Reason: reason}
	}
	return nil
}

// refusal says why a is not a public unicast address, "" when it is.
func refusal(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "not an address"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	case cgnat.Contains(a):
		return "carrier-grade NAT (shared) space"
	case thisNet.Contains(a), reserved4.Contains(a), ietf4.Contains(a), benchmark4.Contains(a):
		return "reserved"
	case siteLocal6.Contains(a), docs6.Contains(a), orchid6.Contains(a), discard6.Contains(a):
		return "reserved"
	case teredo6.Contains(a):
		return "a Teredo tunnel"
	case nat64.Contains(a):
		b := a.As16()
		return refusal(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(a):
		b := a.As16()
		return refusal(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return ""
}

// control is the net.Dialer's Control: it runs for every connection
// attempt with the address actually dialed, after DNS, so that neither a
// name that resolves to a refused address, nor one that changes its answer
// between a check and the dial, nor a redirect gets around the Guard.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	return g.Check(ap.Addr())
}

// NewClient returns the HTTP client Tandem uses for everything it sends to
// or fetches for bots: every connection is checked by a Guard of
// cfg.Allow, there is no proxy (a proxy would dial for it), at most
// MaxRedirects redirects are followed (each dialed through the same
// Guard), and a request with its redirects is bounded by cfg.Timeout.
// Read bodies with ReadBody to bound their size.
func NewClient(cfg ClientConfig) *http.Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	g := NewGuard(cfg.Allow)
	d := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second, Control: g.control}
	dial := d.DialContext
	if cfg.LookupIP != nil {
		dial = func(ctx context.Context, network, address string) (net.Conn, error) {
			return dialResolved(ctx, d, cfg.LookupIP, network, address)
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return ErrTooManyRedirects
			}
			return nil
		},
	}
}

// dialResolved resolves address's host with lookup and dials the
// addresses in turn (each through d's Control).
func dialResolved(ctx context.Context, d *net.Dialer, lookup func(context.Context, string) ([]netip.Addr, error), network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if addrs, err = lookup(ctx, host); err != nil {
		return nil, fmt.Errorf("look up %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("look up %s: no addresses", host)
	}
	var errs []error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// ParseAllow reads --webhook-allow: CIDR prefixes or single addresses,
// each item possibly a comma-separated list ("127.0.0.1/32,10.1.0.0/16").
func ParseAllow(list ...string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range list {
		for s := range strings.SplitSeq(item, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if strings.Contains(s, "/") {
				p, err := netip.ParsePrefix(s)
				if err != nil || p.Addr().Zone() != "" {
					return nil, fmt.Errorf("webhook allow %q is not an address or CIDR prefix such as 10.0.0.0/8", s)
				}
				a := p.Addr()
				if a.Is4In6() {
					if p.Bits() < 96 {
						return nil, fmt.Errorf("webhook allow %q: write IPv4 ranges as IPv4", s)
					}
					p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
				}
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(s)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("webhook allow %q is not an address or CIDR prefix such as 10.0.0.0/8", s)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out, nil
}

// ErrTooManyRedirects is the error of a request redirected more than
// MaxRedirects times.
var ErrTooManyRedirects = fmt.Errorf("stopped after %d redirects", MaxRedirects)

// ErrBodyTooLarge is ReadBody's error for a body over its limit.
var ErrBodyTooLarge = errors.New("response body larger than the limit")

// ReadBody reads at most max bytes of r; a longer body is ErrBodyTooLarge
// (with the first max bytes).
func ReadBody(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > max {
		return b[:max], fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, max)
	}
	return b, nil
}
