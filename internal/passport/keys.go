package passport

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tandemhq/tandem"
)

// KeyPolicy is when signing keys are made, used and dropped.
type KeyPolicy struct {
	// PublishLead is how long a new key is published before it signs, so
	// that relying parties that cache the JWKS know it first (1 h).
	PublishLead time.Duration
	// Rotation is how long a key signs (30 days).
	Rotation time.Duration
	// Linger is how long a retired key stays published: the longest
	// lifetime of what it signed (the ID token lifetime).
	Linger time.Duration
}

// rotate reports whether a new key must be made at now: when no key signs
// beyond now+PublishLead, the next one must be published now to sign on
// time.
func (p KeyPolicy) rotate(keys []*tandem.SigningKey, now time.Time) bool {
	horizon := now.Add(p.PublishLead)
	for _, k := range keys {
		if k.RetiresAt.After(horizon) {
			return false
		}
	}
	return true
}

// newKey makes the next key at now. When no key signs at now (the first
// key, or a server that was down through a rotation), the new one signs at
// once; otherwise it signs when the current one retires.
func (p KeyPolicy) newKey(keys []*tandem.SigningKey, now time.Time) (*tandem.SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate a signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode the signing key: %w", err)
	}
	from := now
	if cur := signingKey(keys, now); cur != nil {
		from = cur.RetiresAt
		if lead := now.Add(p.PublishLead); from.Before(lead) {
			from = lead
		}
	}
	return &tandem.SigningKey{
		ID: "k" + strings.ToLower(rand.Text()[:16]), Algorithm: "RS256", PrivateDER: der,
		CreatedAt: now, SignsFrom: from, RetiresAt: from.Add(p.Rotation),
	}, nil
}

// signingKey is the key that signs at now: of those in their signing
// window, the newest.
func signingKey(keys []*tandem.SigningKey, now time.Time) *tandem.SigningKey {
	var best *tandem.SigningKey
	for _, k := range keys {
		if !now.Before(k.SignsFrom) && now.Before(k.RetiresAt) && (best == nil || k.SignsFrom.After(best.SignsFrom)) {
			best = k
		}
	}
	return best
}

// published reports whether k is in the JWKS at now.
func (p KeyPolicy) published(k *tandem.SigningKey, now time.Time) bool {
	return !now.Before(k.CreatedAt) && now.Before(k.RetiresAt.Add(p.Linger))
}

// expired reports whether k may be deleted at now.
func (p KeyPolicy) expired(k *tandem.SigningKey, now time.Time) bool {
	return !now.Before(k.RetiresAt.Add(p.Linger))
}

// keyRing caches the parsed signing keys; the store is the truth, read
// again when the ring is older than a minute or a key was made here.
type keyRing struct {
	mu     sync.Mutex
	keys   []*tandem.SigningKey
	signer map[string]crypto.Signer
	read   time.Time
}

func (r *keyRing) load(ctx context.Context, st interface {
	SigningKeys(context.Context) ([]*tandem.SigningKey, error)
}, now time.Time, force bool) ([]*tandem.SigningKey, map[string]crypto.Signer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !force && r.keys != nil && now.Sub(r.read) < time.Minute && now.After(r.read) {
		return r.keys, r.signer, nil
	}
	keys, err := st.SigningKeys(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read the signing keys: %w", err)
	}
	signers := make(map[string]crypto.Signer, len(keys))
	for _, k := range keys {
		if s, ok := r.signer[k.ID]; ok {
			signers[k.ID] = s
			continue
		}
		priv, err := x509.ParsePKCS8PrivateKey(k.PrivateDER)
		if err != nil {
			return nil, nil, fmt.Errorf("parse signing key %s: %w", k.ID, err)
		}
		s, ok := priv.(crypto.Signer)
		if !ok {
			return nil, nil, fmt.Errorf("signing key %s is not a signer", k.ID)
		}
		signers[k.ID] = s
	}
	r.keys, r.signer, r.read = keys, signers, now
	return keys, signers, nil
}

// jwks is the public part of the published keys.
func (p KeyPolicy) jwks(keys []*tandem.SigningKey, signers map[string]crypto.Signer, now time.Time) jose.JSONWebKeySet {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, k := range keys {
		if !p.published(k, now) {
			continue
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key: signers[k.ID].Public(), KeyID: k.ID, Algorithm: k.Algorithm, Use: "sig",
		})
	}
	return set
}
