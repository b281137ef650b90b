package passport

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tandemhq/tandem"
)

// keyList is the signing keys of a schedule test: the key schedule reads
// nothing else of a store.
type keyList struct{ keys []*tandem.SigningKey }

func (l *keyList) SigningKeys(context.Context) ([]*tandem.SigningKey, error) { return l.keys, nil }

func TestKeySchedule(t *testing.T) {
	p := KeyPolicy{PublishLead: time.Hour, Rotation: 30 * 24 * time.Hour, Linger: time.Hour}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var keys []*tandem.SigningKey
	if !p.rotate(keys, t0) {
		t.Fatal("no keys: a key is due")
	}
	k1, err := p.newKey(keys, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.SignsFrom.Equal(t0) {
		t.Fatalf("the first key signs from %v, want at once (%v)", k1.SignsFrom, t0)
	}
	keys = append(keys, k1)
	if p.rotate(keys, t0.Add(24*time.Hour)) {
		t.Fatal("a key was due a day after the first")
	}
	due := k1.RetiresAt.Add(-p.PublishLead)
	if p.rotate(keys, due.Add(-time.Second)) || !p.rotate(keys, due) {
		t.Fatalf("the next key must be due exactly one publish lead before %v", k1.RetiresAt)
	}
	k2, err := p.newKey(keys, due)
	if err != nil {
		t.Fatal(err)
	}
	keys = append(keys, k2)
	if !k2.SignsFrom.Equal(k1.RetiresAt) {
		t.Fatalf("the second key signs from %v, want when the first retires (%v)", k2.SignsFrom, k1.RetiresAt)
	}
	// Published before it signs; the old key signs until it retires and
	// stays published for Linger after.
	if !p.published(k2, due) || signingKey(keys, due) != k1 {
		t.Fatal("at the rotation, the new key must be published and the old one still sign")
	}
	if signingKey(keys, k1.RetiresAt) != k2 {
		t.Fatal("the new key must sign once the old retires")
	}
	if !p.published(k1, k1.RetiresAt.Add(p.Linger-time.Second)) || p.expired(k1, k1.RetiresAt.Add(p.Linger-time.Second)) {
		t.Fatal("a retired key must stay published for the longest token lifetime")
	}
	if p.published(k1, k1.RetiresAt.Add(p.Linger)) || !p.expired(k1, k1.RetiresAt.Add(p.Linger)) {
		t.Fatal("a retired key must go after the longest token lifetime")
	}
	// A server down through the rotation: the new key signs at once.
	late := k1.RetiresAt.Add(48 * time.Hour)
	k3, err := p.newKey(keys[:1], late)
	if err != nil {
		t.Fatal(err)
	}
	if !k3.SignsFrom.Equal(late) {
		t.Fatalf("with no key signing, a new key signs from %v, want at once (%v)", k3.SignsFrom, late)
	}

	var ring keyRing
	loaded, signers, err := ring.load(t.Context(), &keyList{keys}, due, true)
	if err != nil {
		t.Fatal(err)
	}
	set := p.jwks(loaded, signers, due)
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS at the rotation has %d keys, want both", len(set.Keys))
	}
	for _, k := range set.Keys {
		if !k.IsPublic() || k.Algorithm != "RS256" || k.Use != "sig" {
			t.Errorf("JWK %s: public %v alg %s use %s", k.KeyID, k.IsPublic(), k.Algorithm, k.Use)
		}
		if _, ok := k.Key.(*rsa.PublicKey); !ok {
			t.Errorf("JWK %s is a %T", k.KeyID, k.Key)
		}
	}
	if got := p.jwks(loaded, signers, k1.RetiresAt.Add(p.Linger)); len(got.Keys) != 1 || got.Keys[0].KeyID != k2.ID {
		t.Fatalf("JWKS after the old key lingered: %v", got.Keys)
	}
}

func TestIDTokenSignatureAndParse(t *testing.T) {
	p := KeyPolicy{PublishLead: time.Hour, Rotation: 24 * time.Hour, Linger: time.Hour}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k, err := p.newKey(nil, now)
	if err != nil {
		t.Fatal(err)
	}
	other, err := p.newKey(nil, now)
	if err != nil {
		t.Fatal(err)
	}
	const issuer = "https://passport.example"
	var ring keyRing
	_, signers, err := ring.load(t.Context(), &keyList{[]*tandem.SigningKey{k, other}}, now, true)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(key *tandem.SigningKey, cl Claims) string {
		sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: signers[key.ID], KeyID: key.ID}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(cl)
		jws, err := sig.Sign(b)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := jws.CompactSerialize()
		return out
	}
	onlyK := func(kid string) crypto.PublicKey {
		if kid == k.ID {
			return signers[k.ID].Public()
		}
		return nil
	}
	cl := Claims{Issuer: issuer, Subject: "id1", Audience: "site", SID: "g1"}
	good := sign(k, cl)
	got, err := parseIDToken(good, issuer, onlyK)
	if err != nil || got.Subject != "id1" || got.SID != "g1" {
		t.Fatalf("parse a good token: %+v, %v", got, err)
	}
	// Signed by an unpublished key, or by another key under k's kid.
	forged := sign(other, cl)
	parts := strings.Split(forged, ".")
	goodParts := strings.Split(good, ".")
	for name, tok := range map[string]string{
		"unpublished key": forged,
		"swapped kid":     goodParts[0] + "." + parts[1] + "." + parts[2],
		"other issuer":    sign(k, Claims{Issuer: "https://evil.example", Subject: "id1"}),
		"alg none":        base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"`+k.ID+`"}`)) + "." + goodParts[1] + ".",
		"garbage":         "not a token",
	} {
		if _, err := parseIDToken(tok, issuer, onlyK); err == nil {
			t.Errorf("%s: passed", name)
		}
	}
}
