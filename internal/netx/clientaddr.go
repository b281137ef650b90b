// Package netx knows what Tandem's HTTP servers need about the connection
// under a request: who the client is when reverse proxies stand in between
// ([ClientAddr]), and how responses that must outlive the server's timeouts
// (WebSockets, long downloads) lift or stretch them ([ClearDeadlines],
// [ProgressWriter]).
package netx

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies whose X-Forwarded-For is believed. The
// zero value trusts nobody: every client is the direct peer.
type Proxies struct {
	nets []netip.Prefix
}

// ParseProxies reads CIDR prefixes ("10.0.0.0/8", "fd00::/8") and single
// addresses ("192.0.2.7", "::1"); each entry may itself be a comma-separated
// list, as in a flag or environment variable. Blank entries are skipped. An
// entry that is neither is an error that names it.
func ParseProxies(list ...string) (Proxies, error) {
	var p Proxies
	for _, item := range list {
		for _, s := range strings.Split(item, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if strings.Contains(s, "/") {
				pfx, err := netip.ParsePrefix(s)
				if err != nil {
					return Proxies{}, fmt.Errorf("trusted proxy %q is not an address or CIDR prefix such as 10.0.0.0/8", s)
				}
				if pfx.Addr().Zone() != "" {
					return Proxies{}, fmt.Errorf("trusted proxy %q: zones are not allowed", s)
				}
				p.nets = append(p.nets, pfx.Masked())
				continue
			}
			a, err := netip.ParseAddr(s)
			if err != nil || a.Zone() != "" {
				return Proxies{}, fmt.Errorf("trusted proxy %q is not an address or CIDR prefix such as 10.0.0.0/8", s)
			}
			a = a.Unmap()
			p.nets = append(p.nets, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return p, nil
}

// String lists the trusted prefixes, for logs.
func (p Proxies) String() string {
	s := make([]string, len(p.nets))
	for i, n := range p.nets {
		s[i] = n.String()
	}
	return strings.Join(s, ",")
}

func (p Proxies) trusts(a netip.Addr) bool {
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve returns the client address of r. It is the direct peer unless the
// peer is a trusted proxy; then X-Forwarded-For is read from the right,
// where the nearest proxy appended the address it saw, and the first hop
// that is not a trusted proxy is the client. Hops further left were written
// by the client itself and are never believed. When every hop is trusted
// the leftmost one is the client; a hop that is not an address stops the
// walk at the last address seen (a trusted proxy), since nothing to its left
// can be vouched for.
func (p Proxies) Resolve(r *http.Request) string {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		return hostOnly(r.RemoteAddr)
	}
	client := peer
	if !p.trusts(client) {
		return client.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, ok := parseHop(parts[j])
			if !ok {
				return client.String()
			}
			client = a
			if !p.trusts(a) {
				return a.String()
			}
		}
	}
	return client.String()
}

// parseHop reads one address as a peer or proxy writes it: bare
// ("192.0.2.7", "2001:db8::1"), with a port ("192.0.2.7:5000",
// "[2001:db8::1]:5000") or in brackets. IPv4-mapped IPv6 becomes IPv4, and
// zones are dropped, so that one client has one spelling.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// hostOnly is addr without its port, or addr when it has none (a peer
// address that is not IP, as in tests over pipes).
func hostOnly(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

type clientKey struct{}

// Handler resolves the client address of each request once, before next
// runs, for [ClientAddr].
func (p Proxies) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, p.Resolve(r))))
	})
}

// ClientAddr is the address of the client that sent r, without port: the
// one [Proxies.Handler] resolved, or, for a request that did not pass
// through it, the direct peer. Every rate limit and log line that names a
// client uses it, so that behind a proxy they all see the same client.
func ClientAddr(r *http.Request) string {
	if a, ok := r.Context().Value(clientKey{}).(string); ok {
		return a
	}
	if a, ok := parseHop(r.RemoteAddr); ok {
		return a.String()
	}
	return hostOnly(r.RemoteAddr)
}

// LimitKey is the part of a client address that one client controls, for
// rate limits: an IPv4 address, or the /64 network of an IPv6 one (a
// single host is routinely given a whole /64, and would otherwise have
// 2^64 addresses to spread its attempts over). Anything else is returned as
// it is.
func LimitKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	if a = a.Unmap(); a.Is6() {
		return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
	}
	return a.String()
}

// WithClientAddr returns r with addr as its client address for
// [ClientAddr], in place of the one [Proxies.Handler] resolved: for a
// request whose client someone this server trusts more than any proxy has
// named (another node of the installation that forwarded it, with a signed
// header). addr must be an IP address, with or without a port; anything
// else is an error and r is returned as it was.
func WithClientAddr(r *http.Request, addr string) (*http.Request, error) {
	a, ok := parseHop(addr)
	if !ok {
		return r, fmt.Errorf("client address %q is not an IP address", addr)
	}
	return r.WithContext(context.WithValue(r.Context(), clientKey{}, a.String())), nil
}
