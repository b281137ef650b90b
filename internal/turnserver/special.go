package turnserver

import (
	"net"
	"net/netip"
)

// specialRange is one block of the IANA special-purpose address registries
// (https://www.iana.org/assignments/iana-ipv4-special-registry and
// iana-ipv6-special-registry, RFC 6890 as updated by RFC 8190), or of the
// multicast space, which has registries of its own.
type specialRange struct {
	prefix netip.Prefix
	name   string
	rfc    string
}

// specialRanges are the blocks a relay refuses as peers. Every block of both
// registries is here, including the few the registry marks globally
// reachable (anycast services such as AS112 or PCP): no browser in a call
// has a candidate there, and a relay that cannot reach them loses nothing.
// docs/operating.md lists the same table.
var specialRanges = []specialRange{
	// IPv4 special-purpose address registry.
	{p("0.0.0.0/8"), `"this network"`, "RFC 791"},
	{p("0.0.0.0/32"), `"this host on this network"`, "RFC 1122"},
	{p("10.0.0.0/8"), "private use", "RFC 1918"},
	{p("100.64.0.0/10"), "shared address space (carrier-grade NAT; cloud metadata such as 100.100.100.200)", "RFC 6598"},
	{p("127.0.0.0/8"), "loopback", "RFC 1122"},
	{p("169.254.0.0/16"), "link local (cloud metadata such as 169.254.169.254)", "RFC 3927"},
	{p("172.16.0.0/12"), "private use", "RFC 1918"},
	{p("192.0.0.0/24"), "IETF protocol assignments", "RFC 6890"},
	{p("192.0.0.0/29"), "IPv4 service continuity prefix", "RFC 7335"},
	{p("192.0.0.8/32"), "IPv4 dummy address", "RFC 7600"},
	{p("192.0.0.9/32"), "Port Control Protocol anycast", "RFC 7723"},
	{p("192.0.0.10/32"), "TURN anycast", "RFC 8155"},
	{p("192.0.0.170/31"), "NAT64/DNS64 discovery", "RFC 8880, RFC 7050"},
	{p("192.0.2.0/24"), "documentation (TEST-NET-1)", "RFC 5737"},
	{p("192.31.196.0/24"), "AS112-v4", "RFC 7535"},
	{p("192.52.193.0/24"), "AMT", "RFC 7450"},
	{p("192.88.99.0/24"), "deprecated 6to4 relay anycast", "RFC 7526"},
	{p("192.88.99.2/32"), "6a44 relay anycast", "RFC 6751"},
	{p("192.168.0.0/16"), "private use", "RFC 1918"},
	{p("192.175.48.0/24"), "direct delegation AS112 service", "RFC 7534"},
	{p("198.18.0.0/15"), "benchmarking", "RFC 2544"},
	{p("198.51.100.0/24"), "documentation (TEST-NET-2)", "RFC 5737"},
	{p("203.0.113.0/24"), "documentation (TEST-NET-3)", "RFC 5737"},
	{p("240.0.0.0/4"), "reserved", "RFC 1112"},
	{p("255.255.255.255/32"), "limited broadcast", "RFC 8190, RFC 919"},
	// IPv4 multicast address space registry.
	{p("224.0.0.0/4"), "multicast", "RFC 5771"},

	// IPv6 special-purpose address registry. IPv4-mapped addresses
	// (::ffff:0:0/96, RFC 4291) are judged as the IPv4 address they carry:
	// Go stores every IPv4 address in that form, so refusing the block
	// would refuse every IPv4 peer, and the IPv4 rows above decide.
	{p("::1/128"), "loopback", "RFC 4291"},
	{p("::/128"), "unspecified", "RFC 4291"},
	{p("64:ff9b::/96"), "IPv4-IPv6 translation (NAT64 well-known prefix)", "RFC 6052"},
	{p("64:ff9b:1::/48"), "IPv4-IPv6 translation, local use", "RFC 8215"},
	{p("100::/64"), "discard only", "RFC 6666"},
	{p("100:0:0:1::/64"), "dummy IPv6 prefix", "RFC 9780"},
	{p("2001::/23"), "IETF protocol assignments", "RFC 2928"},
	{p("2001::/32"), "Teredo", "RFC 4380, RFC 8190"},
	{p("2001:1::1/128"), "Port Control Protocol anycast", "RFC 7723"},
	{p("2001:1::2/128"), "TURN anycast", "RFC 8155"},
	{p("2001:1::3/128"), "DNS-SD service registration protocol anycast", "RFC 9665"},
	{p("2001:2::/48"), "benchmarking", "RFC 5180"},
	{p("2001:3::/32"), "AMT", "RFC 7450"},
	{p("2001:4:112::/48"), "AS112-v6", "RFC 7535"},
	{p("2001:10::/28"), "deprecated (previously ORCHID)", "RFC 4843"},
	{p("2001:20::/28"), "ORCHIDv2", "RFC 7343"},
	{p("2001:30::/28"), "drone remote ID protocol entity tags", "RFC 9374"},
	{p("2001:db8::/32"), "documentation", "RFC 3849"},
	{p("2002::/16"), "6to4", "RFC 3056"},
	{p("2620:4f:8000::/48"), "direct delegation AS112 service", "RFC 7534"},
	{p("3fff::/20"), "documentation", "RFC 9637"},
	{p("5f00::/16"), "segment routing (SRv6) SIDs", "RFC 9602"},
	{p("fc00::/7"), "unique local", "RFC 4193, RFC 8190"},
	{p("fe80::/10"), "link-local unicast", "RFC 4291"},
	// IPv6 address space registry: multicast, and the deprecated
	// site-local block that some stacks still route locally.
	{p("ff00::/8"), "multicast", "RFC 4291"},
	{p("fec0::/10"), "deprecated site-local", "RFC 3879"},
}

// globalUnicast is the only IPv6 space IANA allocates from (RFC 4291); the
// rest is reserved, and holds forms such as IPv4-compatible ::a.b.c.d.
var globalUnicast = specialRange{p("2000::/3"), "outside global unicast 2000::/3 (reserved)", "RFC 4291"}

func p(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// specialPeer returns the special-purpose block ip falls in, if any. An
// address that is not an IP at all counts as special.
func specialPeer(ip net.IP) (specialRange, bool) {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return specialRange{name: "not an IP address"}, true
	}
	a = a.Unmap()
	for _, r := range specialRanges {
		if r.prefix.Contains(a) {
			return r, true
		}
	}
	if a.Is6() && !globalUnicast.prefix.Contains(a) {
		return globalUnicast, true
	}
	return specialRange{}, false
}

// publicPeer reports whether ip is outside every special-purpose block.
func publicPeer(ip net.IP) bool {
	_, special := specialPeer(ip)
	return !special
}
