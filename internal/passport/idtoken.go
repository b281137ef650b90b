package passport

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tandemhq/tandem"
)

// Claims are the claims of the passport's ID tokens.
type Claims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	AZP      string `json:"azp"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	AuthTime int64  `json:"auth_time"`
	Nonce    string `json:"nonce,omitempty"`
	SID      string `json:"sid"`
	Email    string `json:"email,omitempty"`
	Name     string `json:"name,omitempty"`
}

// idToken signs the ID token of grant g for client c.
func (s *Service) idToken(ctx context.Context, c *Client, id *tandem.Identity, g *tandem.Grant, nonce string, now time.Time) (string, error) {
	scopes := strings.Fields(g.Scope)
	exp := minTime(g.AccessExpiresAt, now.Add(s.cfg.IDTokenTTL))
	cl := Claims{
		Issuer: s.cfg.Issuer, Subject: id.ID, Audience: c.ID(), AZP: c.ID(),
		Expiry: exp.Unix(), IssuedAt: now.Unix(), AuthTime: g.CreatedAt.Unix(), Nonce: nonce, SID: g.ID,
	}
	if slices.Contains(scopes, "email") {
		cl.Email = id.Email
	}
	if slices.Contains(scopes, "profile") {
		cl.Name = id.Name
	}
	return s.sign(ctx, cl, now)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// sign signs claims with the key that signs at now, making the first key
// when there is none.
func (s *Service) sign(ctx context.Context, claims any, now time.Time) (string, error) {
	keys, signers, err := s.ring.load(ctx, s.st, now, false)
	if err != nil {
		return "", err
	}
	k := signingKey(keys, now)
	if k == nil {
		if err := s.RotateKeys(ctx); err != nil {
			return "", err
		}
		if keys, signers, err = s.ring.load(ctx, s.st, now, true); err != nil {
			return "", err
		}
		if k = signingKey(keys, now); k == nil {
			return "", errors.New("passport: no signing key")
		}
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: signers[k.ID], KeyID: k.ID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("make signer: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode claims: %w", err)
	}
	jws, err := sig.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return jws.CompactSerialize()
}

// RotateKeys makes the next signing key when it is due and deletes keys no
// longer published. Every node may run it: two nodes making a key at once
// publish one key more, which is harmless.
func (s *Service) RotateKeys(ctx context.Context) error {
	s.rotating.Lock()
	defer s.rotating.Unlock()
	now := s.cfg.Now()
	keys, _, err := s.ring.load(ctx, s.st, now, true)
	if err != nil {
		return err
	}
	changed := false
	if s.cfg.Keys.rotate(keys, now) {
		k, err := s.cfg.Keys.newKey(keys, now)
		if err != nil {
			return err
		}
		if err := s.st.CreateSigningKey(ctx, k); err != nil {
			return fmt.Errorf("store signing key: %w", err)
		}
		s.cfg.Logger.Info("passport signing key made", "kid", k.ID, "signs_from", k.SignsFrom, "retires", k.RetiresAt)
		changed = true
	}
	for _, k := range keys {
		if s.cfg.Keys.expired(k, now) {
			if err := s.st.DeleteSigningKey(ctx, k.ID); err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
				return fmt.Errorf("delete signing key %s: %w", k.ID, err)
			}
			changed = true
		}
	}
	if changed {
		_, _, err = s.ring.load(ctx, s.st, now, true)
	}
	return err
}

// RunKeyRotation rotates keys every interval until ctx ends.
func (s *Service) RunKeyRotation(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.RotateKeys(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("passport key rotation", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// JWKS is the published key set.
func (s *Service) JWKS(ctx context.Context) (*jose.JSONWebKeySet, error) {
	now := s.cfg.Now()
	keys, signers, err := s.ring.load(ctx, s.st, now, false)
	if err != nil {
		return nil, err
	}
	if signingKey(keys, now) == nil {
		if err := s.RotateKeys(ctx); err != nil {
			return nil, err
		}
		if keys, signers, err = s.ring.load(ctx, s.st, now, true); err != nil {
			return nil, err
		}
	}
	set := s.cfg.Keys.jwks(keys, signers, now)
	return &set, nil
}

// ParseIDToken checks an ID token's signature against the published keys
// and its issuer, and returns its claims. Expiry is not checked: an
// id_token_hint may have expired.
func (s *Service) ParseIDToken(ctx context.Context, raw string) (*Claims, error) {
	now := s.cfg.Now()
	keys, signers, err := s.ring.load(ctx, s.st, now, false)
	if err != nil {
		return nil, err
	}
	return parseIDToken(raw, s.cfg.Issuer, func(kid string) crypto.PublicKey {
		for _, k := range keys {
			if k.ID == kid && s.cfg.Keys.published(k, now) {
				return signers[k.ID].Public()
			}
		}
		return nil
	})
}

// parseIDToken parses and checks a compact RS256 JWS whose key, found by
// its kid, is published.
func parseIDToken(raw, issuer string, key func(kid string) crypto.PublicKey) (*Claims, error) {
	if len(raw) > 8192 {
		return nil, errors.New("the ID token is too long")
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("parse ID token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("the ID token must have one signature")
	}
	pub := key(jws.Signatures[0].Header.KeyID)
	if pub == nil {
		return nil, errors.New("the ID token's key is not published")
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		return nil, errors.New("the ID token's signature does not verify")
	}
	var cl Claims
	if err := json.Unmarshal(payload, &cl); err != nil {
		return nil, fmt.Errorf("decode ID token claims: %w", err)
	}
	if cl.Issuer != issuer {
		return nil, errors.New("the ID token is another issuer's")
	}
	return &cl, nil
}

// newID returns a random id of 26 lowercase base32 characters (130 bits).
func newID() string { return strings.ToLower(rand.Text()) }
