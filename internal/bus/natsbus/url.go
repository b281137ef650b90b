package natsbus

import (
	"net/url"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/tandemhq/tandem"
)

// server is what a URL says: where the NATS server is, and how to sign in.
type server struct {
	url      string // scheme://host:port, without credentials
	user     string
	password string
	token    string
}

// parseURL reads nats://[user:password@|token@]host[:port] (or tls:// for
// TLS). It takes no path, options or list of servers: the client learns
// the other servers of a cluster from the one it reaches. Its errors never
// quote a credential.
func parseURL(rawURL string) (server, error) {
	invalid := func(format string, args ...any) (server, error) {
		return server{}, tandem.Errorf(tandem.EInvalid, "natsbus: "+format, args...)
	}
	if strings.Contains(rawURL, ",") {
		return invalid("one server's URL, not a list (the client learns the cluster's other servers from it)")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse quotes the URL, credentials included.
		return invalid("not a URL")
	}
	if u.Scheme != "nats" && u.Scheme != "tls" {
		return invalid("want a nats:// or tls:// URL, not %s://", u.Scheme)
	}
	if u.Hostname() == "" {
		return invalid("the URL names no host")
	}
	if u.Port() == "" {
		u.Host += ":4222"
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return invalid("a URL of the form nats://host:port takes no path or options")
	}
	s := server{url: u.Scheme + "://" + u.Host}
	if u.User != nil {
		password, hasPassword := u.User.Password()
		switch {
		case hasPassword:
			s.user, s.password = u.User.Username(), password
		case u.User.Username() != "":
			s.token = u.User.Username()
		}
	}
	return s, nil
}

// options are the sign-in options of s.
func (s server) options() []nats.Option {
	switch {
	case s.token != "":
		return []nats.Option{nats.Token(s.token)}
	case s.user != "":
		return []nats.Option{nats.UserInfo(s.user, s.password)}
	}
	return nil
}
