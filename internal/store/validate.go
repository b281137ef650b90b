package store

import (
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/screenmap"
)

// Every backend runs these checks before writing, so that bad input gets the
// same clear error whichever backend is in use, and nothing is written.

// NormalizeEmail returns email trimmed and lowercased, or tandem.EInvalid if
// it is not a bare address such as "alex@example.com". Emails are compared
// in this form.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return "", tandem.Errorf(tandem.EInvalid, "%q is not an email address", email)
	}
	return e, nil
}

// NormalizeOrigin returns origin in the form browsers send in the Origin
// header (lowercase scheme and host, no default port, no trailing slash), or
// tandem.EInvalid when it is not scheme://host[:port] with scheme http or
// https. The single "*" (any origin) is returned as is.
func NormalizeOrigin(origin string) (string, error) {
	o := strings.TrimSpace(origin)
	if o == "*" {
		return o, nil
	}
	bad := func(why string) (string, error) {
		return "", tandem.Errorf(tandem.EInvalid, "origin %q: %s; want scheme://host[:port], e.g. https://shop.example.com", origin, why)
	}
	u, err := url.Parse(o)
	if err != nil {
		return bad("cannot be parsed")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return bad("scheme must be http or https")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return bad("no host")
	case u.User != nil:
		return bad("user info is not allowed")
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.ForceQuery, u.Fragment != "":
		return bad("no path, query or fragment is allowed")
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.HasSuffix(u.Host, ":") {
		return bad("empty port")
	}
	if n, err := strconv.Atoi(port); port != "" && (err != nil || n < 1 || n > 65535) {
		return bad("port out of range")
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		return scheme + "://" + net.JoinHostPort(host, port), nil
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 literal keeps its brackets
	}
	return scheme + "://" + host, nil
}

// CheckUser validates u and normalizes it in place: a trimmed name is
// required, the email is normalized, and an empty role becomes RoleAgent.
func CheckUser(u *tandem.User) error {
	email, err := NormalizeEmail(u.Email)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(u.Name)
	if name == "" {
		return tandem.Errorf(tandem.EInvalid, "a user needs a name, e.g. \"Alex from Support\"")
	}
	role := u.Role
	if role == "" {
		role = tandem.RoleAgent
	}
	if role != tandem.RoleAgent && role != tandem.RoleAdmin {
		return tandem.Errorf(tandem.EInvalid, "role %q is not %q or %q", u.Role, tandem.RoleAgent, tandem.RoleAdmin)
	}
	u.Email, u.Name, u.Role = email, name, role
	return nil
}

// CheckSite validates s and normalizes it in place: a trimmed name is
// required, every allowed origin is normalized (repeats dropped), and the
// recording retention is zero (forever) or a positive whole number of
// milliseconds, the precision every backend stores, and a triage bot, if
// any, is named by an id.
func CheckSite(s *tandem.Site) error {
	name := strings.TrimSpace(s.Name)
	if name == "" {
		return tandem.Errorf(tandem.EInvalid, "a site needs a name")
	}
	if r := s.RecordingRetention; r < 0 || r%time.Millisecond != 0 {
		return tandem.Errorf(tandem.EInvalid, "recording retention %v is not zero (keep forever) or a positive number of milliseconds", r)
	}
	if s.TriageBotID != "" {
		if err := checkID(s.TriageBotID, "triage bot"); err != nil {
			return err
		}
	}
	mapping, err := screenmap.Check([]byte(s.ScreenMapping))
	if err != nil {
		return err
	}
	s.ScreenMapping = mapping
	origins := make([]string, 0, len(s.AllowedOrigins))
	seen := make(map[string]bool)
	for _, o := range s.AllowedOrigins {
		n, err := NormalizeOrigin(o)
		if err != nil {
			return err
		}
		if !seen[n] {
			seen[n] = true
			origins = append(origins, n)
		}
	}
	s.Name, s.AllowedOrigins = name, origins
	return nil
}

// MaxAuditSessions is how many sessions one AuditForSessions may ask about:
// as many as one page of a listing.
const MaxAuditSessions = 1000

// CheckAuditForSessions validates the arguments of AuditForSessions: an
// action, and 0 to MaxAuditSessions session ids, none of them empty.
func CheckAuditForSessions(sessionIDs []string, action string) error {
	if action == "" {
		return tandem.Errorf(tandem.EInvalid, "give the audit action to look for, e.g. \"join\"")
	}
	if len(sessionIDs) > MaxAuditSessions {
		return tandem.Errorf(tandem.EInvalid, "%d sessions asked about at once; at most %d", len(sessionIDs), MaxAuditSessions)
	}
	for _, id := range sessionIDs {
		if id == "" {
			return tandem.Errorf(tandem.EInvalid, "an empty session id")
		}
	}
	return nil
}

// MaxRecordingBatch is the most recordings one ExpireRecordings or
// DoomedRecordings call handles, so that a sweep is a short transaction.
const MaxRecordingBatch = 1000

// CheckRecordingBatch returns tandem.EInvalid unless limit is 1 to
// MaxRecordingBatch.
func CheckRecordingBatch(limit int) error {
	if limit < 1 || limit > MaxRecordingBatch {
		return tandem.Errorf(tandem.EInvalid, "a batch of %d recordings; want 1 to %d", limit, MaxRecordingBatch)
	}
	return nil
}
