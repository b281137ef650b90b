package admin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// Key is one of a user's SSH public keys.
type Key struct {
	Type        string // e.g. ssh-ed25519
	Fingerprint string // SHA256:…
	Comment     string
	Line        string // the authorized_keys line
}

// ParseKey reads one authorized_keys line (e.g. "ssh-ed25519 AAAA…
// alex@laptop"); anything else is EInvalid.
func ParseKey(line string) (Key, error) {
	line = strings.TrimSpace(line)
	pk, comment, _, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil || strings.TrimSpace(string(rest)) != "" {
		return Key{}, tandem.Errorf(tandem.EInvalid, `not a single SSH public key; want one authorized_keys line such as "ssh-ed25519 AAAA... alex@laptop"`)
	}
	return Key{Type: pk.Type(), Fingerprint: ssh.FingerprintSHA256(pk), Comment: comment, Line: line}, nil
}

// Agent is a user as admins see them.
type Agent struct {
	User *tandem.User
	Keys []Key
	// Invited: the user has not set a password yet (their invite is open).
	Invited bool
}

// Agents lists every user with their keys, oldest first.
func (s *Service) Agents(ctx context.Context) ([]Agent, error) {
	users, err := s.cfg.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Agent, 0, len(users))
	for _, u := range users {
		a, err := s.agent(ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func (s *Service) agent(ctx context.Context, u *tandem.User) (Agent, error) {
	lines, err := s.cfg.Store.UserKeys(ctx, u.ID)
	if err != nil {
		return Agent{}, fmt.Errorf("keys of %s: %w", u.ID, err)
	}
	a := Agent{User: u, Keys: []Key{}, Invited: u.PasswordHash == ""}
	for _, l := range lines {
		if k, err := ParseKey(l); err == nil {
			a.Keys = append(a.Keys, k)
		}
	}
	return a, nil
}

// Invitation is a new user and the token that lets them set a password,
// shown once.
type Invitation struct {
	Agent Agent
	Token string
}

// Invite adds a user without a password and an invite to set one.
func (s *Service) Invite(ctx context.Context, by *tandem.User, email, name string, role tandem.Role) (*Invitation, error) {
	u := &tandem.User{Email: email, Name: name, Role: role}
	if err := store.CheckUser(u); err != nil {
		return nil, err
	}
	if err := s.cfg.Store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	token := newToken()
	now := s.cfg.Now()
	inv := &store.UserInvite{TokenHash: auth.HashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.InviteTTL)}
	if err := s.cfg.Store.CreateUserInvite(ctx, inv); err != nil {
		return nil, fmt.Errorf("invite %s: %w", u.Email, err)
	}
	if err := s.audit(ctx, by, "user:"+u.ID, ActionInvite, fmt.Sprintf("%s %s, until %s", u.Role, u.Email, inv.ExpiresAt.UTC().Format("2006-01-02 15:04"))); err != nil {
		return nil, err
	}
	return &Invitation{Agent: Agent{User: u, Keys: []Key{}, Invited: true}, Token: token}, nil
}

// MinPasswordLength is the shortest password an invited agent may set.
const MinPasswordLength = 10

// Redeem sets the password of an invited user, once.
func (s *Service) Redeem(ctx context.Context, token, pw string) (*tandem.User, error) {
	if token == "" {
		return nil, tandem.Errorf(tandem.EInvalid, "the invite's token is missing")
	}
	if utf8.RuneCountInString(pw) < MinPasswordLength || len(pw) > 1024 {
		return nil, tandem.Errorf(tandem.EInvalid, "choose a password of at least %d characters", MinPasswordLength)
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	u, err := s.cfg.Store.RedeemUserInvite(ctx, auth.HashToken(token), hash, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, u, "user:"+u.ID, ActionRedeem, u.Email+" set a password"); err != nil {
		return nil, err
	}
	return u, nil
}

// Change is what an admin changes of a user; nil fields stay.
type Change struct {
	Role     *tandem.Role
	Disabled *bool
}

// UpdateAgent changes a user's role or whether they are disabled. An admin
// cannot disable themselves or give up their own admin role, so that an
// installation is never left without an admin by a slip.
func (s *Service) UpdateAgent(ctx context.Context, by *tandem.User, id string, c Change) (Agent, error) {
	u, err := s.cfg.Store.UserByID(ctx, id)
	if err != nil {
		return Agent{}, err
	}
	if c.Role == nil && c.Disabled == nil {
		return Agent{}, tandem.Errorf(tandem.EInvalid, "nothing to change; give role or disabled")
	}
	self := by != nil && by.ID == u.ID
	var actions [][2]string
	if c.Role != nil && *c.Role != u.Role {
		if self {
			return Agent{}, tandem.Errorf(tandem.EInvalid, "you cannot change your own role")
		}
		actions = append(actions, [2]string{ActionRole, fmt.Sprintf("%s: %s to %s", u.Email, u.Role, *c.Role)})
		u.Role = *c.Role
	}
	if c.Disabled != nil && *c.Disabled != !u.DisabledAt.IsZero() {
		if self {
			return Agent{}, tandem.Errorf(tandem.EInvalid, "you cannot disable yourself")
		}
		if *c.Disabled {
			u.DisabledAt = s.cfg.Now()
			actions = append(actions, [2]string{ActionDisable, u.Email})
		} else {
			u.DisabledAt = time.Time{}
			actions = append(actions, [2]string{ActionEnable, u.Email})
		}
	}
	if err := s.cfg.Store.UpdateUser(ctx, u); err != nil {
		return Agent{}, err
	}
	for _, a := range actions {
		if err := s.audit(ctx, by, "user:"+u.ID, a[0], a[1]); err != nil {
			return Agent{}, err
		}
	}
	return s.agent(ctx, u)
}

// AddKey registers an SSH public key for a user.
func (s *Service) AddKey(ctx context.Context, by *tandem.User, id, line string) (Key, error) {
	k, err := ParseKey(line)
	if err != nil {
		return Key{}, err
	}
	if err := s.cfg.Store.AddUserKey(ctx, id, k.Line); err != nil {
		return Key{}, err
	}
	return k, s.audit(ctx, by, "user:"+id, ActionKeyAdd, k.Type+" "+k.Fingerprint)
}

// RemoveKey removes one of a user's keys by fingerprint.
func (s *Service) RemoveKey(ctx context.Context, by *tandem.User, id, fingerprint string) error {
	if err := s.cfg.Store.RemoveUserKey(ctx, id, fingerprint); err != nil {
		return err
	}
	return s.audit(ctx, by, "user:"+id, ActionKeyRemove, fingerprint)
}

func newToken() string {
	b := make([]byte, 24)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
