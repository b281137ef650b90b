package passport

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tandemhq/tandem"
)

// An authkey is a person's service information for one site, packaged
// and sealed by the passport when a sign-in there completes: the site
// keeps it beside its tokens and cannot read or change it. Presented
// with grant_type AuthkeyGrant, it gets the site a new grant without the
// redirect, while the passport session it came from lives.
//
// Format: "tpk1_" + base64url(nonce ‖ AES-256-GCM(authkeyKey, JSON)),
// the prefix as additional data. The key is derived from the
// installation's signing key under a label of its own (deriveAuthkeyKey).
const (
	AuthkeyPrefix = "tpk1_"
	// AuthkeyGrant is the token endpoint's grant type for authkeys.
	AuthkeyGrant = "urn:tandem:params:oauth:grant-type:authkey"
	// MaxAuthkey is the longest authkey accepted (a real one is ~400).
	MaxAuthkey   = 2048
	authkeyVer   = 1
	authkeyNonce = 12
)

// Authkey is what an authkey holds.
type Authkey struct {
	Version    int               `json:"v"`
	IdentityID string            `json:"i"`
	SiteID     string            `json:"s"`
	DeviceID   string            `json:"d"`
	DeviceKind tandem.DeviceKind `json:"k"`
	Scope      string            `json:"sc,omitempty"`
	// SessionHash is the hash of the passport session the sign-in came
	// from (the store's key for it): the authkey dies with it.
	SessionHash string `json:"ps"`
	IssuedAt    int64  `json:"t"` // unix seconds
}

// ErrBadAuthkey is an authkey that is not one the passport sealed: of
// another shape, truncated, tampered with, or sealed under another key.
var ErrBadAuthkey = errors.New("the authkey is malformed or was tampered with")

// deriveAuthkeyKey is the AES-256 key authkeys are sealed with; its label
// keeps it apart from the token key (DeriveKey).
func deriveAuthkeyKey(signingKey []byte) []byte {
	m := hmac.New(sha256.New, signingKey)
	m.Write([]byte("tandem passport authkeys v1"))
	return m.Sum(nil)
}

func authkeyAEAD(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(fmt.Sprintf("passport: authkey cipher: %v", err)) // a 32-byte key never fails
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(fmt.Sprintf("passport: authkey GCM: %v", err))
	}
	return aead
}

// SealAuthkey seals a under key (deriveAuthkeyKey's).
func SealAuthkey(key []byte, a *Authkey) (string, error) {
	plain, err := json.Marshal(a)
	if err != nil {
		return "", fmt.Errorf("encode authkey: %w", err)
	}
	nonce := make([]byte, authkeyNonce)
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	sealed := authkeyAEAD(key).Seal(nonce, nonce, plain, []byte(AuthkeyPrefix))
	return AuthkeyPrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// OpenAuthkey opens an authkey sealed under key: ErrBadAuthkey for
// anything the passport did not seal, or that lacks a field.
func OpenAuthkey(key []byte, s string) (*Authkey, error) {
	if len(s) > MaxAuthkey {
		return nil, ErrBadAuthkey
	}
	body, ok := bytes.CutPrefix([]byte(s), []byte(AuthkeyPrefix))
	if !ok {
		return nil, ErrBadAuthkey
	}
	for _, c := range body {
		// Only the alphabet: the decoder would skip line breaks, and
		// one authkey has one spelling.
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, ErrBadAuthkey
		}
	}
	sealed := make([]byte, base64.RawURLEncoding.DecodedLen(len(body)))
	n, err := base64.RawURLEncoding.Strict().Decode(sealed, body)
	if err != nil || n < authkeyNonce+16 {
		return nil, ErrBadAuthkey
	}
	sealed = sealed[:n]
	plain, err := authkeyAEAD(key).Open(nil, sealed[:authkeyNonce], sealed[authkeyNonce:], []byte(AuthkeyPrefix))
	if err != nil {
		return nil, ErrBadAuthkey
	}
	var a Authkey
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil || dec.More() {
		return nil, ErrBadAuthkey
	}
	if a.Version != authkeyVer || a.IdentityID == "" || a.SiteID == "" || a.SessionHash == "" || a.IssuedAt <= 0 || a.DeviceKind == "" {
		return nil, ErrBadAuthkey
	}
	return &a, nil
}

// authkeyFor seals the authkey of grant g, which came from the passport
// session sessionHash.
func (s *Service) authkeyFor(g *tandem.Grant, sessionHash string, now time.Time) (string, error) {
	return SealAuthkey(s.akey, &Authkey{
		Version: authkeyVer, IdentityID: g.IdentityID, SiteID: g.SiteID, DeviceID: g.DeviceID, DeviceKind: g.DeviceKind,
		Scope: g.Scope, SessionHash: sessionHash, IssuedAt: now.Unix(),
	})
}

// FromAuthkey makes a new grant for client c from an authkey it kept: the
// person's service information, the site's configuration now (token
// lifetimes, devices, one device per person) and the time. The site's
// one-device rule applies as at a sign-in. Refused (invalid_grant): an
// authkey not sealed by this passport, another site's, one older than a
// passport session lives, one whose passport session ended (signed out)
// or expired, one whose identity is gone, one for a device kind the site
// no longer serves.
func (s *Service) FromAuthkey(ctx context.Context, c *Client, authkey string) (*Tokens, error) {
	if authkey == "" {
		return nil, oauthErr("invalid_request", "authkey is missing")
	}
	a, err := OpenAuthkey(s.akey, authkey)
	if err != nil {
		return nil, oauthErr("invalid_grant", "%s", err.Error())
	}
	if a.SiteID != c.Site.ID {
		return nil, oauthErr("invalid_grant", "the authkey was issued to another site")
	}
	now := s.cfg.Now()
	issued := time.Unix(a.IssuedAt, 0)
	if issued.After(now.Add(time.Minute)) {
		return nil, oauthErr("invalid_grant", "the authkey was issued in the future")
	}
	if now.Sub(issued) >= s.cfg.SessionTTL {
		return nil, oauthErr("invalid_grant", "the authkey is older than a passport session lives; sign in again")
	}
	id, err := s.st.IdentityByID(ctx, a.IdentityID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, oauthErr("invalid_grant", "the person's identity no longer exists")
	}
	if err != nil {
		return nil, fmt.Errorf("look up identity: %w", err)
	}
	_, err = s.st.PassportSessionByHash(ctx, a.SessionHash, now)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, oauthErr("invalid_grant", "the passport session the authkey came from ended (signed out or expired); sign in again")
	}
	if err != nil {
		return nil, fmt.Errorf("look up passport session: %w", err)
	}
	if !serves(c.Line, a.DeviceKind) {
		return nil, oauthErr("invalid_grant", "the site no longer serves %s devices", a.DeviceKind)
	}
	t, _, err := s.startGrant(ctx, c, id, signIn{
		DeviceID: a.DeviceID, DeviceKind: a.DeviceKind, Scope: a.Scope, Action: "passport.authkey",
	}, now)
	return t, err
}

// serves reports whether the site serves devices of kind k; a
// registration that names no kinds serves browsers.
func serves(l *tandem.ServiceLine, k tandem.DeviceKind) bool {
	if len(l.Devices) == 0 {
		return k == tandem.DeviceBrowser
	}
	return slices.Contains(l.Devices, k)
}
