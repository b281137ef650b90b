package backend

import (
	"net/url"
	"strings"
)

// masked stands for a credential that was taken out of a URL or message.
const masked = "xxxxx"

// Redact returns rawURL with its credentials masked, for logs and error
// messages: the password of the user information (postgres://tandem:xxxxx@db)
// and the value of every query parameter whose name suggests a credential
// (password, secret, token, key, signature). It works on text that does not
// parse as a URL too, since that is the text an error would otherwise show.
func Redact(rawURL string) string {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return rawURL
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	// The last @ ends the user information: a password may hold an @.
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		if user, _, hasPassword := strings.Cut(authority[:at], ":"); hasPassword {
			authority = user + ":" + masked + authority[at:]
		}
	}
	path, query, hasQuery := strings.Cut(tail, "?")
	if !hasQuery {
		return scheme + "://" + authority + tail
	}
	query, fragment, hasFragment := strings.Cut(query, "#")
	params := strings.Split(query, "&")
	for i, p := range params {
		if name, _, hasValue := strings.Cut(p, "="); hasValue && secretParam(name) {
			params[i] = name + "=" + masked
		}
	}
	out := scheme + "://" + authority + path + "?" + strings.Join(params, "&")
	if hasFragment {
		out += "#" + fragment
	}
	return out
}

// secretParam reports whether a query parameter's name suggests that its
// value is a credential.
func secretParam(name string) bool {
	if n, err := url.QueryUnescape(name); err == nil {
		name = n
	}
	name = strings.ToLower(name)
	for _, s := range []string{"pass", "secret", "token", "key", "signature", "credential"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// credentials returns the secrets rawURL holds, as written and decoded, so
// that they can be scrubbed from the messages of errors about it (a driver
// may quote the URL it was given).
func credentials(rawURL string) []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		if d, err := url.PathUnescape(s); err == nil && d != s {
			out = append(out, d)
		}
		if d, err := url.QueryUnescape(s); err == nil && d != s {
			out = append(out, d)
		}
	}
	_, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		if _, password, ok := strings.Cut(rest[:at], ":"); ok {
			add(password)
		}
	}
	if _, query, ok := strings.Cut(rest[end:], "?"); ok {
		query, _, _ = strings.Cut(query, "#")
		for p := range strings.SplitSeq(query, "&") {
			if name, value, ok := strings.Cut(p, "="); ok && secretParam(name) {
				add(value)
			}
		}
	}
	return out
}

// scrub replaces every credential of secrets in s with a mask. A
// credential shorter than minScrubbed is left: masking every "s" or "ab"
// would garble the message, and the URL it came from is redacted anyway.
func scrub(s string, secrets []string) string {
	for _, c := range secrets {
		if len(c) >= minScrubbed {
			s = strings.ReplaceAll(s, c, masked)
		}
	}
	return s
}

// minScrubbed is the shortest credential scrub masks in messages.
const minScrubbed = 4
