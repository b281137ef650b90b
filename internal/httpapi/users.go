package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/httpjson"
)

// Users is what the API needs for the directory of colleagues.
type Users interface {
	ListUsers(ctx context.Context) ([]*tandem.User, error)
}

// The directory's page sizes: the console asks as the agent types, so a
// page is what a list under an input shows.
const (
	defaultUserLimit = 20
	maxUserLimit     = 100
)

// userRoutes are the directory of the console's users, which the
// conversation dialogs pick members from.
func (s *Server) userRoutes() []route {
	return []route{
		{"GET", "/api/v1/users", s.handleListUsers, signedIn},
	}
}

// userEntry is a user as the directory shows them to colleagues: never the
// password hash, role or keys.
type userEntry struct {
	Account string `json:"account"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Handle  string `json:"handle"`
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) {
	if s.deps.Users == nil {
		s.fail(w, r, tandem.Errorf(tandem.EUnavailable, "the directory is not served here"))
		return
	}
	q := r.URL.Query()
	limit, err := userLimit(q.Get("limit"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	users, err := s.deps.Users.ListUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"users": directory(users, q.Get("q"), limit)})
}

// userLimit reads the limit parameter: 1 to maxUserLimit, defaultUserLimit
// when absent.
func userLimit(l string) (int, error) {
	if l == "" {
		return defaultUserLimit, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > maxUserLimit {
		return 0, tandem.Errorf(tandem.EInvalid, "limit must be 1 to %d", maxUserLimit)
	}
	return n, nil
}

// directory returns up to limit of users whose name or email contains q
// (ignoring case), sorted by name (then email, so that the order is stable).
func directory(users []*tandem.User, q string, limit int) []userEntry {
	q = strings.ToLower(strings.TrimSpace(q))
	out := []userEntry{}
	for _, u := range users {
		// Users are named by admins, outside the checks of what agents write.
		name := conversation.Clean(u.Name)
		if q != "" && !strings.Contains(strings.ToLower(name), q) && !strings.Contains(strings.ToLower(u.Email), q) {
			continue
		}
		out = append(out, userEntry{
			Account: tandem.Account{Kind: tandem.AccountUser, ID: u.ID}.String(),
			Name:    name, Email: u.Email, Handle: conversation.UserHandle(u.Email),
		})
	}
	slices.SortFunc(out, func(a, b userEntry) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Email, b.Email)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
