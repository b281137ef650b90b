package conversation

import (
	"context"
	"regexp"
	"strings"

	"github.com/tandemhq/tandem"
)

// visitor is the display name of a person who did not say who they are.
const visitor = "Visitor"

// nameOf returns an account's display name: a user's name, a bot's name,
// a person's id on the site (from the linked assist, or given when the
// conversation was opened) or "Visitor". An account that no longer exists
// is shown by its kind.
func (s *Service) nameOf(ctx context.Context, a tandem.Account) string {
	switch a.Kind {
	case tandem.AccountUser:
		if u, err := s.store.UserByID(ctx, a.ID); err == nil {
			// Users are named by admins, outside this package's checks.
			return Clean(u.Name)
		}
		return "user"
	case tandem.AccountBot:
		if b, err := s.store.BotByID(ctx, a.ID); err == nil {
			return b.Name
		}
		return "bot"
	case tandem.AccountPerson:
		c, err := s.store.ConversationByID(ctx, a.ID)
		if err != nil {
			return visitor
		}
		return s.personName(ctx, c)
	}
	return ""
}

// personName is the display name of the person of support conversation c:
// what the site said (the linked assist's person id, else the id given
// when the conversation was opened, which is its name: Update refuses to
// rename a support conversation), or "Visitor".
func (s *Service) personName(ctx context.Context, c *tandem.Conversation) string {
	if c.AssistID != "" {
		if as, err := s.store.AssistByID(ctx, c.AssistID); err == nil && identified(Clean(as.PersonID)) {
			return Clean(as.PersonID)
		}
	}
	if identified(Clean(c.Name)) {
		return Clean(c.Name)
	}
	return visitor
}

// identified reports whether a person id names someone: the assist
// service calls the unidentified "anonymous".
func identified(personID string) bool {
	return personID != "" && !strings.HasPrefix(personID, "anonymous")
}

// namer returns a Names that looks each account up once.
func (s *Service) namer(ctx context.Context) Names {
	cache := map[tandem.Account]string{}
	return func(a tandem.Account) string {
		if n, ok := cache[a]; ok {
			return n
		}
		n := s.nameOf(ctx, a)
		cache[a] = n
		return n
	}
}

// handle is what @-mentions a member: a bot's name, the part of a user's
// email before the @, lower-cased. People have none (they are not
// mentioned by name: "@Visitor" would be everybody's).
func (s *Service) handle(ctx context.Context, a tandem.Account) (string, *tandem.Bot) {
	switch a.Kind {
	case tandem.AccountBot:
		if b, err := s.store.BotByID(ctx, a.ID); err == nil {
			return strings.ToLower(b.Name), b
		}
	case tandem.AccountUser:
		if u, err := s.store.UserByID(ctx, a.ID); err == nil {
			return UserHandle(u.Email), nil
		}
	}
	return "", nil
}

// UserHandle is what @-mentions a user with email address email: the part
// before the @, lower-cased.
func UserHandle(email string) string {
	local, _, _ := strings.Cut(email, "@")
	return strings.ToLower(local)
}

// mentionRE finds @-mentions: an @ not inside a word (so that an email
// address in the text mentions nobody), then a handle.
var mentionRE = regexp.MustCompile(`(?:^|[^\w@.+-])@([\w.+-]{1,64})`)

// mentionedHandles returns the handles text @-mentions, lower-cased, each
// once, with trailing dots and dashes cut ("thanks @bob." mentions bob).
func mentionedHandles(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		h := strings.ToLower(m[1])
		for _, cand := range []string{h, strings.TrimRight(h, ".-")} {
			if cand != "" && !seen[cand] {
				seen[cand] = true
				out = append(out, cand)
			}
		}
	}
	return out
}

// mentioned is a member mentioned by a message, with its bot if it is one.
type mentioned struct {
	account tandem.Account
	bot     *tandem.Bot
	granted []tandem.Scope
}

// mentions resolves the @-mentions of text among the members of a
// conversation, in the order of the members.
func (s *Service) mentions(ctx context.Context, text string, members []*tandem.Member) []mentioned {
	handles := mentionedHandles(text)
	if len(handles) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, h := range handles {
		want[h] = true
	}
	var out []mentioned
	for _, m := range members {
		if m.Account.Kind == tandem.AccountPerson {
			continue
		}
		h, bot := s.handle(ctx, m.Account)
		if h != "" && want[h] {
			out = append(out, mentioned{account: m.Account, bot: bot, granted: m.Granted})
		}
	}
	return out
}
