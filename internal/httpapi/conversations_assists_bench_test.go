package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/simclient"
	"github.com/tandemhq/tandem/internal/store"
)

// BenchmarkAssistListing measures what the conversationId of assist JSON
// costs a listing: one store lookup per assist. "list" is a page of 200
// assists through the API (each with its support conversation); "page" is
// the store's read of that page alone, and "lookups" the 200
// ConversationForAssist calls alone, on the same store: lookups/list is
// the share of the listing the N+1 lookups take.
//
//	go test -run '^$' -bench AssistListing ./internal/httpapi/
func BenchmarkAssistListing(b *testing.B) {
	const assists = 200
	ts := apptest.Start(b, app.Config{}, siteOrigin)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	st := ts.Store()
	u := &tandem.User{Email: "lister@example.com", Name: "Lister", PasswordHash: "x", Role: tandem.RoleAgent}
	if err := st.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 0, assists)
	for i := range assists {
		a := &tandem.Assist{SiteID: ts.Site.ID, State: tandem.AssistWaiting, PersonID: fmt.Sprintf("p%d", i),
			PageID: "page", PageURL: siteOrigin + "/", UserAgent: "bench"}
		if err := st.CreateAssist(ctx, a); err != nil {
			b.Fatal(err)
		}
		c := &tandem.Conversation{Kind: tandem.ConversationSupport, SiteID: ts.Site.ID, AssistID: a.ID, Queued: true}
		person := tandem.Account{Kind: tandem.AccountPerson}
		if err := st.CreateConversation(ctx, c, []*tandem.Member{{Account: person}}); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	token, _, err := (&auth.Manager{Sessions: st, Users: st}).Start(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	base, _ := url.Parse(ts.URL())
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(base, []*http.Cookie{{Name: "tandem_session", Value: token, Path: "/"}})
	agent := &simclient.Agent{Base: ts.URL(), Client: &http.Client{Jar: jar}}

	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			var page struct {
				Assists []struct {
					ConversationID string `json:"conversationId"`
				} `json:"assists"`
			}
			if err := agent.Do(ctx, "GET", fmt.Sprintf("/api/v1/assists?limit=%d", assists), nil, &page); err != nil {
				b.Fatal(err)
			}
			if len(page.Assists) != assists || page.Assists[0].ConversationID == "" {
				b.Fatalf("%d assists, the first in conversation %q", len(page.Assists), page.Assists[0].ConversationID)
			}
		}
	})
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.ListAssists(ctx, store.AssistFilter{Limit: assists}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lookups", func(b *testing.B) {
		for b.Loop() {
			for _, id := range ids {
				if _, err := st.ConversationForAssist(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
