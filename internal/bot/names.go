package bot

import (
	"context"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

// Ref names an account with its display name: a user's name, a bot's
// name, and for a person the id their site gave them or "Visitor".
func (s *Service) Ref(ctx context.Context, a tandem.Account) botapi.Ref {
	r := botapi.Ref{Account: a.String()}
	switch a.Kind {
	case tandem.AccountUser:
		if u, err := s.store.UserByID(ctx, a.ID); err == nil {
			r.Name = u.Name
		}
	case tandem.AccountBot:
		if b, err := s.store.BotByID(ctx, a.ID); err == nil {
			r.Name = b.Name
		}
	case tandem.AccountPerson:
		r.Name = "Visitor"
		// A person's id is their support conversation's: its assist says
		// who they are when the site identified them.
		if c, err := s.store.ConversationByID(ctx, a.ID); err == nil && c.AssistID != "" {
			if as, err := s.store.AssistByID(ctx, c.AssistID); err == nil && as.PersonID != "" && as.PersonID != "anonymous" {
				r.Name = as.PersonID
			}
		}
	}
	return r
}

func botRef(b *tandem.Bot) botapi.Ref {
	return botapi.Ref{Account: botAccount(b).String(), Name: b.Name, ID: b.ID}
}

func scopeStrings(scopes []tandem.Scope) []string {
	out := make([]string, len(scopes))
	for i, sc := range scopes {
		out[i] = string(sc)
	}
	return out
}
