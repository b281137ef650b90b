package bot

import (
	"context"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/conversation"
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
		r.Name = personName(ctx, s.store, a.ID)
	}
	return r
}

// personName is the display name of the person of support conversation
// id, as the conversation service shows it to members (and in mention
// events), so that a bot's action and command events name the person as
// its mention events do: the id their site gave them, from the linked
// assist or given when the conversation was opened, else "Visitor".
func personName(ctx context.Context, st Store, id string) string {
	c, err := st.ConversationByID(ctx, id)
	if err != nil {
		return "Visitor"
	}
	if c.AssistID != "" {
		if as, err := st.AssistByID(ctx, c.AssistID); err == nil && identified(conversation.Clean(as.PersonID)) {
			return conversation.Clean(as.PersonID)
		}
	}
	if identified(conversation.Clean(c.Name)) {
		return conversation.Clean(c.Name)
	}
	return "Visitor"
}

// identified reports whether a person id names someone: the assist
// service calls the unidentified "anonymous".
func identified(personID string) bool {
	return personID != "" && !strings.HasPrefix(personID, "anonymous")
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
