package bot

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/store"
)

// Limits of a bot's fields.
const (
	maxDescription = 1000
	maxURL         = 2048
)

// validName is what a bot may be called: what @-mentions and the command
// list show, so without spaces or look-alike characters.
var validName = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// Input is what an owner gives for a new bot, or changes of one (nil: keep).
type Input struct {
	Name         *string
	Description  *string
	AvatarURL    *string
	URL          *string
	InterfaceURL *string
	Scopes       *[]tandem.Scope
	// Recommended may be set by admins only.
	Recommended *bool
}

// Created is a new bot with its secrets, shown once.
type Created struct {
	Bot           *tandem.Bot
	Token         string
	SigningSecret string
}

// Create makes a bot owned by owner, with a token for exactly its scopes
// and a signing secret. The token is returned once; only its hash is kept.
func (s *Service) Create(ctx context.Context, owner *tandem.User, in Input) (*Created, error) {
	if in.Name == nil || in.URL == nil || in.Scopes == nil {
		return nil, tandem.Errorf(tandem.EInvalid, "name, url and scopes are required")
	}
	if in.Recommended != nil && *in.Recommended && owner.Role != tandem.RoleAdmin {
		return nil, tandem.Errorf(tandem.EForbidden, "only admins may recommend bots")
	}
	b := &tandem.Bot{OwnerID: owner.ID, CreatedAt: s.cfg.Now()}
	apply(b, in)
	if err := CheckBot(b); err != nil {
		return nil, err
	}
	token := newToken(b)
	b.SigningSecret = "whsec_" + base64.StdEncoding.EncodeToString(randomBytes(32))
	if err := s.store.CreateBot(ctx, b); err != nil {
		if tandem.ErrorCode(err) == tandem.EConflict {
			return nil, tandem.Errorf(tandem.EConflict, "a bot named %q exists already", b.Name)
		}
		return nil, fmt.Errorf("create bot: %w", err)
	}
	s.log.Info("bot created", "bot", b.ID, "name", b.Name, "owner", owner.ID, "scopes", tandem.JoinScopes(b.Scopes))
	return &Created{Bot: b, Token: token, SigningSecret: b.SigningSecret}, nil
}

// apply copies the set fields of in onto b.
func apply(b *tandem.Bot, in Input) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&b.Name, in.Name)
	set(&b.Description, in.Description)
	set(&b.AvatarURL, in.AvatarURL)
	set(&b.URL, in.URL)
	set(&b.InterfaceURL, in.InterfaceURL)
	if in.Scopes != nil {
		b.Scopes = slices.Clone(*in.Scopes)
	}
	if in.Recommended != nil {
		b.Recommended = *in.Recommended
	}
}

// CheckBot checks the fields an owner sets, with a clear error for the first
// that is wrong, and cleans the description of invisible characters
// (conversation.Clean).
func CheckBot(b *tandem.Bot) error {
	if utf8.ValidString(b.Description) {
		b.Description = conversation.Clean(b.Description)
	}
	switch {
	case !validName.MatchString(b.Name):
		return tandem.Errorf(tandem.EInvalid, "a bot's name is 1 to 32 of a-z, 0-9, _ and -: %q is not", b.Name)
	case len(b.Description) > maxDescription || !utf8.ValidString(b.Description):
		return tandem.Errorf(tandem.EInvalid, "description is at most %d bytes of UTF-8", maxDescription)
	}
	if err := checkURL("url", b.URL, false); err != nil {
		return err
	}
	if err := checkURL("interfaceUrl", b.InterfaceURL, true); err != nil {
		return err
	}
	if err := checkURL("avatarUrl", b.AvatarURL, true); err != nil {
		return err
	}
	if len(b.Scopes) == 0 {
		return tandem.Errorf(tandem.EInvalid, "give the bot at least one scope (%s)", tandem.JoinScopes(tandem.AllScopes()))
	}
	seen := map[tandem.Scope]bool{}
	for _, sc := range b.Scopes {
		if !tandem.ValidScope(sc) {
			return tandem.Errorf(tandem.EInvalid, "%q is not a scope (one of %s)", sc, tandem.JoinScopes(tandem.AllScopes()))
		}
		if seen[sc] {
			return tandem.Errorf(tandem.EInvalid, "scope %s is given twice", sc)
		}
		seen[sc] = true
	}
	return nil
}

// checkURL checks an absolute http(s) URL without credentials; empty is
// allowed when optional.
func checkURL(field, raw string, optional bool) error {
	if raw == "" && optional {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case len(raw) > maxURL:
		return tandem.Errorf(tandem.EInvalid, "%s is longer than %d bytes", field, maxURL)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return tandem.Errorf(tandem.EInvalid, "%s must be an absolute http(s) URL", field)
	case u.User != nil:
		return tandem.Errorf(tandem.EInvalid, "%s must not hold a user or password", field)
	}
	return nil
}

// newToken gives b a new token: it sets the token's hash and id and returns
// the token, which is never stored.
func newToken(b *tandem.Bot) string {
	token := "tdb_" + base64.RawURLEncoding.EncodeToString(randomBytes(32))
	b.TokenHash = auth.HashToken(token)
	b.TokenID = "tok_" + newID()[:12]
	return token
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

// owned returns the bot id if by may manage it: its owner, or an admin.
func (s *Service) owned(ctx context.Context, by *tandem.User, id string) (*tandem.Bot, error) {
	b, err := s.store.BotByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.OwnerID != by.ID && by.Role != tandem.RoleAdmin {
		return nil, tandem.Errorf(tandem.EForbidden, "only the bot's owner may do this")
	}
	return b, nil
}

// Get returns a bot, and whether by may manage it (and so see all of it);
// otherwise the caller shows only the public fields (PublicView).
func (s *Service) Get(ctx context.Context, by *tandem.User, id string) (*tandem.Bot, bool, error) {
	b, err := s.store.BotByID(ctx, id)
	if err != nil {
		return nil, false, err
	}
	return b, b.OwnerID == by.ID || by.Role == tandem.RoleAdmin, nil
}

// Listing is the bots page of one user.
type Listing struct {
	Mine, InMyConversations, Recommended []*tandem.Bot
}

// List returns the bots by created, those in the conversations by is a
// member of, and the recommended ones.
func (s *Service) List(ctx context.Context, by *tandem.User) (*Listing, error) {
	var l Listing
	var err error
	if l.Mine, err = s.store.ListBots(ctx, store.BotFilter{OwnerID: by.ID}); err != nil {
		return nil, fmt.Errorf("list bots: %w", err)
	}
	if l.InMyConversations, err = s.store.ListBots(ctx, store.BotFilter{Member: tandem.Account{Kind: tandem.AccountUser, ID: by.ID}}); err != nil {
		return nil, fmt.Errorf("list bots: %w", err)
	}
	if l.Recommended, err = s.store.ListBots(ctx, store.BotFilter{Recommended: true}); err != nil {
		return nil, fmt.Errorf("list bots: %w", err)
	}
	return &l, nil
}

// Update changes the bot's fields given in in. Changing its scopes applies
// at once to its token; in each conversation it stays bounded by what was
// granted there.
func (s *Service) Update(ctx context.Context, by *tandem.User, id string, in Input) (*tandem.Bot, error) {
	b, err := s.owned(ctx, by, id)
	if err != nil {
		return nil, err
	}
	if in.Recommended != nil && *in.Recommended != b.Recommended && by.Role != tandem.RoleAdmin {
		return nil, tandem.Errorf(tandem.EForbidden, "only admins may recommend bots")
	}
	next := *b
	apply(&next, in)
	if err := CheckBot(&next); err != nil {
		return nil, err
	}
	if err := s.store.UpdateBot(ctx, &next); err != nil {
		if tandem.ErrorCode(err) == tandem.EConflict {
			return nil, tandem.Errorf(tandem.EConflict, "a bot named %q exists already", next.Name)
		}
		return nil, fmt.Errorf("update bot: %w", err)
	}
	return &next, nil
}

// Delete deletes a bot: it leaves every conversation, its hooks and
// commands go, and its pending deliveries are dropped.
func (s *Service) Delete(ctx context.Context, by *tandem.User, id string) error {
	b, err := s.owned(ctx, by, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteBot(ctx, b.ID); err != nil {
		return fmt.Errorf("delete bot: %w", err)
	}
	s.log.Info("bot deleted", "bot", b.ID, "by", by.ID)
	return nil
}

// RegenerateToken gives the bot a new token, returned once; the old one
// stops working at once.
func (s *Service) RegenerateToken(ctx context.Context, by *tandem.User, id string) (string, *tandem.Bot, error) {
	b, err := s.owned(ctx, by, id)
	if err != nil {
		return "", nil, err
	}
	token := newToken(b)
	if err := s.store.UpdateBot(ctx, b); err != nil {
		return "", nil, fmt.Errorf("new bot token: %w", err)
	}
	s.log.Info("bot token regenerated", "bot", b.ID, "token", b.TokenID, "by", by.ID)
	return token, b, nil
}

// RevokeToken takes the bot's token away: every request with it fails from
// now on, on every node (each request reads the store), and the bot gets
// no deliveries until it has a new one.
func (s *Service) RevokeToken(ctx context.Context, by *tandem.User, id string) (*tandem.Bot, error) {
	b, err := s.owned(ctx, by, id)
	if err != nil {
		return nil, err
	}
	old := b.TokenID
	b.TokenHash, b.TokenID = "", ""
	if err := s.store.UpdateBot(ctx, b); err != nil {
		return nil, fmt.Errorf("revoke bot token: %w", err)
	}
	s.log.Info("bot token revoked", "bot", b.ID, "token", old, "by", by.ID)
	return b, nil
}
