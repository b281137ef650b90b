package passport

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// ErrBadCredentials is a sign-in with a wrong email or password: one error
// for both, so that the form does not tell which emails exist.
var ErrBadCredentials = tandem.Errorf(tandem.EUnauthorized, "wrong email or password")

// CheckPassword returns the identity whose email and password these are.
// Rate limits are the caller's (before this runs: the hashing is the cost).
func (s *Service) CheckPassword(ctx context.Context, email, pw string) (*tandem.Identity, error) {
	id, err := s.st.IdentityByEmail(ctx, email)
	if tandem.ErrorCode(err) == tandem.ENotFound || tandem.ErrorCode(err) == tandem.EInvalid {
		// Hash anyway, so that a missing email takes as long as a wrong password.
		_, _ = s.cfg.Passwords.Verify(ctx, s.dummyHash(), pw)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("look up identity: %w", err)
	}
	if id.PasswordHash == "" {
		_, _ = s.cfg.Passwords.Verify(ctx, s.dummyHash(), pw)
		return nil, ErrBadCredentials
	}
	ok, err := s.cfg.Passwords.Verify(ctx, id.PasswordHash, pw)
	if err != nil {
		return nil, fmt.Errorf("check password: %w", err)
	}
	if !ok {
		return nil, ErrBadCredentials
	}
	return id, nil
}

// dummyHash is checked for unknown emails: an argon2id hash of the
// default parameters, made on first use.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = password.Hash("tandem passport: no such identity")
	})
	return s.dummy
}

// Session is a person signed in on the passport's origin.
type Session struct {
	IdentityID string
	// DeviceID names the browser: grants made through one passport
	// session are one device's (for "one device per site").
	DeviceID string
	// Hash is the session's key in the store (the SHA-256 of its
	// cookie): authkeys of sign-ins through it refer to it.
	Hash string
}

// StartSession signs identityID in on the passport's origin and returns
// the cookie's value.
func (s *Service) StartSession(ctx context.Context, identityID string) (string, error) {
	tok := randomToken(SessionPrefix)
	now := s.cfg.Now()
	err := s.st.CreatePassportSession(ctx, &store.PassportSession{
		TokenHash: auth.HashToken(tok), IdentityID: identityID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL),
	})
	if err != nil {
		return "", fmt.Errorf("start passport session: %w", err)
	}
	return tok, nil
}

// SessionTTL is how long a passport session lasts (the cookie's Max-Age).
func (s *Service) SessionTTL() int { return int(s.cfg.SessionTTL.Seconds()) }

// LookupSession returns the live session of a cookie's value, or nil.
func (s *Service) LookupSession(ctx context.Context, tok string) (*Session, error) {
	if CheckToken(SessionPrefix, tok) != nil {
		return nil, nil
	}
	h := auth.HashToken(tok)
	ps, err := s.st.PassportSessionByHash(ctx, h, s.cfg.Now())
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up passport session: %w", err)
	}
	return &Session{IdentityID: ps.IdentityID, DeviceID: "web-" + derive(s.key, "device:"+h)[:22], Hash: h}, nil
}

// EndSession signs the browser out of the passport.
func (s *Service) EndSession(ctx context.Context, tok string) error {
	if CheckToken(SessionPrefix, tok) != nil {
		return nil
	}
	if err := s.st.DeletePassportSession(ctx, auth.HashToken(tok)); err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
		return fmt.Errorf("end passport session: %w", err)
	}
	return nil
}

// CreateIdentity stores a person's passport account with a password.
func (s *Service) CreateIdentity(ctx context.Context, email, name, pw string) (*tandem.Identity, error) {
	if len(pw) < 8 {
		return nil, tandem.Errorf(tandem.EInvalid, "the password must have at least 8 characters")
	}
	h, err := password.Hash(pw)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	id := &tandem.Identity{Email: strings.TrimSpace(email), Name: strings.TrimSpace(name), PasswordHash: h, CreatedAt: s.cfg.Now()}
	if err := s.st.CreateIdentity(ctx, id); err != nil {
		return nil, err
	}
	return id, nil
}

func equalHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
