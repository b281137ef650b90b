// Package auth signs agents in to the console: it checks credentials behind
// one small interface (so single sign-on can take the password's place) and
// keeps cookie sessions whose tokens are stored only as hashes.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// Authenticator checks a person's credentials and returns who they are.
// Wrong credentials return a *tandem.Error with code tandem.EUnauthorized.
type Authenticator interface {
	Authenticate(ctx context.Context, email, secret string) (*tandem.User, error)
}

// Users finds accounts.
type Users interface {
	UserByEmail(ctx context.Context, email string) (*tandem.User, error)
	UserByID(ctx context.Context, id string) (*tandem.User, error)
}

// PasswordLogin authenticates with the argon2id hashes kept with each user.
type PasswordLogin struct {
	Users Users
	// Gate bounds the verifications that run at once (each takes the
	// hash's memory); a server always sets one. Without it, verifications
	// run unbounded.
	Gate *password.Gate
}

func (p PasswordLogin) verify(ctx context.Context, encoded, secret string) (bool, error) {
	if p.Gate == nil {
		return password.Verify(encoded, secret)
	}
	return p.Gate.Verify(ctx, encoded, secret)
}

// dummyHash is verified when no user matches, so that a wrong email takes as
// long as a wrong password and does not reveal which emails exist.
var dummyHash = sync.OnceValue(func() string {
	h, err := password.Hash("not-a-real-password")
	if err != nil {
		panic(err) // only fails if crypto/rand does
	}
	return h
})

// Authenticate implements Authenticator. An unknown email costs what a
// wrong password does (one verification through the Gate, of a hash with
// the default parameters), so that timing does not tell which emails
// exist. When the Gate is full it returns password.ErrBusy.
func (p PasswordLogin) Authenticate(ctx context.Context, email, secret string) (*tandem.User, error) {
	wrong := tandem.Errorf(tandem.EUnauthorized, "wrong email or password")
	u, err := p.Users.UserByEmail(ctx, email)
	if tandem.ErrorCode(err) == tandem.ENotFound || tandem.ErrorCode(err) == tandem.EInvalid {
		if _, err := p.verify(ctx, dummyHash(), secret); notVerified(err) {
			return nil, err
		}
		return nil, wrong
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	if u.PasswordHash == "" {
		// Invited and not yet redeemed: no password can match, and the
		// answer costs what any wrong one does.
		if _, err := p.verify(ctx, dummyHash(), secret); notVerified(err) {
			return nil, err
		}
		return nil, wrong
	}
	ok, err := p.verify(ctx, u.PasswordHash, secret)
	if notVerified(err) {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		return nil, wrong
	}
	if !u.DisabledAt.IsZero() {
		// Said only to whoever knows the password.
		return nil, tandem.Errorf(tandem.EUnauthorized, "this account is disabled; ask an admin")
	}
	return u, nil
}

// notVerified reports whether err means that the password was never
// checked: the Gate was full, or the request ended while waiting.
func notVerified(err error) bool {
	return errors.Is(err, password.ErrBusy) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Sessions is where login sessions are kept.
type Sessions interface {
	CreateLoginSession(ctx context.Context, s *store.LoginSession) error
	LoginSessionByHash(ctx context.Context, tokenHash string) (*store.LoginSession, error)
	DeleteLoginSession(ctx context.Context, tokenHash string) error
	DeleteExpiredLoginSessions(ctx context.Context, now time.Time) error
}

// Manager starts, finds and ends console sessions.
type Manager struct {
	Sessions Sessions
	Users    Users
	TTL      time.Duration // how long a session lasts (12 hours if zero)
	Now      func() time.Time
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Start opens a session for u and returns its token, to be set as a cookie.
// A disabled user gets none (EUnauthorized), however they signed in.
func (m *Manager) Start(ctx context.Context, u *tandem.User) (string, *store.LoginSession, error) {
	if !u.DisabledAt.IsZero() {
		return "", nil, tandem.Errorf(tandem.EUnauthorized, "this account is disabled; ask an admin")
	}
	ttl := m.TTL
	if ttl == 0 {
		ttl = 12 * time.Hour
	}
	token := randomString(32)
	now := m.now()
	// Sign-ins are rare next to requests: a good moment to forget the
	// sessions that have expired, so the table does not grow forever.
	if err := m.Sessions.DeleteExpiredLoginSessions(ctx, now); err != nil {
		return "", nil, fmt.Errorf("delete expired sessions: %w", err)
	}
	s := &store.LoginSession{
		TokenHash: HashToken(token),
		UserID:    u.ID,
		CSRFToken: randomString(16),
		CreatedAt: now,
		ExpiresAt: now.Add(ttl),
	}
	if err := m.Sessions.CreateLoginSession(ctx, s); err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	return token, s, nil
}

// Lookup returns the user of a session token, or tandem.EUnauthorized.
func (m *Manager) Lookup(ctx context.Context, token string) (*tandem.User, error) {
	unauthorized := tandem.Errorf(tandem.EUnauthorized, "sign in first")
	if token == "" {
		return nil, unauthorized
	}
	s, err := m.Sessions.LoginSessionByHash(ctx, HashToken(token))
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, unauthorized
	} else if err != nil {
		return nil, err
	}
	if !m.now().Before(s.ExpiresAt) {
		return nil, tandem.Errorf(tandem.EUnauthorized, "your session has expired; sign in again")
	}
	u, err := m.Users.UserByID(ctx, s.UserID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, unauthorized // the user was removed
	}
	if err == nil && !u.DisabledAt.IsZero() {
		// Disabling deletes the sessions; this covers one that raced it.
		return nil, tandem.Errorf(tandem.EUnauthorized, "this account is disabled")
	}
	return u, err
}

// End closes the session of token.
func (m *Manager) End(ctx context.Context, token string) error {
	err := m.Sessions.DeleteLoginSession(ctx, HashToken(token))
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil
	}
	return err
}

// HashToken is how session tokens are stored.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
