package passport

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// The prefixes of the passport's opaque tokens: they tell a reader (and a
// secret scanner) what a leaked string is.
const (
	AccessPrefix  = "tpa_"
	RefreshPrefix = "tpr_"
	CodePrefix    = "tpc_"
	SessionPrefix = "tps_"
)

// tokenBodyLen is the length of a token after its prefix: 32 bytes in
// unpadded base64url.
const tokenBodyLen = 43

// ErrMalformed is returned for a token that is not of the passport's shape.
var ErrMalformed = errors.New("the token is malformed")

// DeriveKey derives the passport's token key from the installation's
// signing key, under a label of its own so that no other use of the
// signing key can produce a passport token.
func DeriveKey(signingKey []byte) []byte {
	m := hmac.New(sha256.New, signingKey)
	m.Write([]byte("tandem passport tokens v1"))
	return m.Sum(nil)
}

// grantTokens are the access and refresh tokens of one generation of a
// grant. They are derived, not stored: the server can compute the current
// generation's tokens again, which is what lets a refresh that lost a race
// answer with the tokens the winner got.
func grantTokens(key []byte, grantID string, gen int64) (access, refresh string) {
	return AccessPrefix + derive(key, "access:"+grantID+":"+strconv.FormatInt(gen, 10)),
		RefreshPrefix + derive(key, "refresh:"+grantID+":"+strconv.FormatInt(gen, 10))
}

func derive(key []byte, label string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// randomToken returns prefix and 32 random bytes.
func randomToken(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// CheckToken reports whether s has the shape of a token with prefix:
// the prefix and 43 base64url characters. Checking the shape first keeps
// garbage away from the store and gives a clear error.
func CheckToken(prefix, s string) error {
	body, ok := strings.CutPrefix(s, prefix)
	if !ok || len(body) != tokenBodyLen {
		return ErrMalformed
	}
	if _, err := base64.RawURLEncoding.DecodeString(body); err != nil {
		return ErrMalformed
	}
	return nil
}

// BearerToken returns the token of an Authorization header of the Bearer
// scheme (RFC 6750; the scheme name is case-insensitive).
func BearerToken(header string) (string, error) {
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", errors.New("the Authorization header is not a Bearer token")
	}
	tok = strings.TrimSpace(tok)
	if tok == "" || strings.ContainsAny(tok, " \t") {
		return "", errors.New("the Bearer token is empty or has spaces")
	}
	return tok, nil
}

// S256 is the PKCE code challenge of verifier (RFC 7636 §4.2).
func S256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// CheckVerifier checks a PKCE code verifier against the S256 challenge
// stored with the code. RFC 7636 §4.1: 43 to 128 characters of
// [A-Za-z0-9-._~].
func CheckVerifier(verifier, challenge string) error {
	if len(verifier) < 43 || len(verifier) > 128 {
		return errors.New("the code_verifier must be 43 to 128 characters")
	}
	for _, c := range []byte(verifier) {
		if !unreserved(c) {
			return errors.New("the code_verifier has a character outside [A-Za-z0-9-._~]")
		}
	}
	if subtle.ConstantTimeCompare([]byte(S256(verifier)), []byte(challenge)) != 1 {
		return errors.New("the code_verifier does not match the code_challenge")
	}
	return nil
}

// checkChallenge checks a code_challenge of method S256: 43 base64url
// characters (the SHA-256 of a verifier).
func checkChallenge(challenge, method string) error {
	if method != "S256" {
		if method == "" || method == "plain" {
			return errors.New("PKCE with code_challenge_method S256 is required")
		}
		return errors.New("unsupported code_challenge_method (only S256)")
	}
	if len(challenge) != 43 {
		return errors.New("the code_challenge must be 43 base64url characters")
	}
	if _, err := base64.RawURLEncoding.DecodeString(challenge); err != nil {
		return errors.New("the code_challenge is not base64url")
	}
	return nil
}

func unreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// MatchRedirect reports whether uri is one of the registered redirect URIs,
// compared exactly (OAuth 2.0 Security BCP §4.1.3): no prefix, no
// normalisation, so that no open redirect hides in a lookalike.
func MatchRedirect(registered []string, uri string) bool {
	for _, r := range registered {
		if r == uri {
			return true
		}
	}
	return false
}

// CheckRedirectURI checks a redirect URI for registration: absolute,
// https (or http on a loopback host, for development and native apps, as
// RFC 8252 allows), without a fragment or credentials.
func CheckRedirectURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return errors.New("a redirect URI must be an absolute URL")
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return errors.New("a redirect URI must not have a fragment")
	}
	if u.User != nil {
		return errors.New("a redirect URI must not carry credentials")
	}
	switch u.Scheme {
	case "https":
	case "http":
		h := u.Hostname()
		if h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return errors.New("a redirect URI must be https (http only on localhost)")
		}
	default:
		return errors.New("a redirect URI must be https (http only on localhost)")
	}
	return nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
