package store

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
)

// MaxVouchKey is the most bytes a site's PEM vouch key may have.
const MaxVouchKey = 8 << 10

// ParseVouchKey parses a site's vouch key: one PEM "PUBLIC KEY" block
// (PKIX) holding an ECDSA P-256 key (ES256) or an RSA key of at least
// 2048 bits (RS256). Anything else is tandem.EInvalid.
func ParseVouchKey(s string) (crypto.PublicKey, error) {
	if len(s) > MaxVouchKey {
		return nil, tandem.Errorf(tandem.EInvalid, "the vouch key is longer than %d bytes", MaxVouchKey)
	}
	block, rest := pem.Decode([]byte(s))
	if block == nil || block.Type != "PUBLIC KEY" || strings.TrimSpace(string(rest)) != "" {
		return nil, tandem.Errorf(tandem.EInvalid, "the vouch key must be one PEM block of type PUBLIC KEY")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, tandem.Errorf(tandem.EInvalid, "the vouch key is not a public key: %v", err)
	}
	switch k := k.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, tandem.Errorf(tandem.EInvalid, "an ECDSA vouch key must be on P-256 (ES256)")
		}
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, tandem.Errorf(tandem.EInvalid, "an RSA vouch key must have at least 2048 bits")
		}
	default:
		return nil, tandem.Errorf(tandem.EInvalid, "the vouch key must be ECDSA P-256 or RSA")
	}
	return k, nil
}

// CheckVouchJTI validates a use of an assertion id: the site, its hash,
// and an expiry after now.
func CheckVouchJTI(siteID, jtiHash string, expiresAt, now time.Time) error {
	if err := checkID(siteID, "site"); err != nil {
		return err
	}
	if !sha256HexRE.MatchString(jtiHash) {
		return tandem.Errorf(tandem.EInvalid, "the assertion id's hash is not a SHA-256 in lowercase hex")
	}
	if err := CheckNow(now, "recording an assertion id"); err != nil {
		return err
	}
	if !expiresAt.After(now) {
		return tandem.Errorf(tandem.EInvalid, "an assertion id is kept until its assertion expires, which must be after now")
	}
	return nil
}
