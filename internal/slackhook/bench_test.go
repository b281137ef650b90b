package slackhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/httpapi"
	"github.com/tandemhq/tandem/internal/slackhook"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// The figures of docs/performance.md ("Bots"): incoming webhook posts a
// second through Tandem's HTTP handler (parse the Slack payload, find the
// hook, its bot and membership, store the message in SQLite, tell the
// members) against a bare net/http handler that reads the body and
// answers ok, with the same clients and payload.
//
//	go test -run '^$' -bench 'IncomingHook|BareHandler' -benchtime 3000x ./internal/slackhook/

const benchClients = 4

// benchAlert is a Grafana-style alert of about 600 bytes.
const benchAlert = `{"username":"Grafana","attachments":[{"title":"[FIRING:1] HighCPU (node-1 prod)",` +
	`"title_link":"https://grafana.example.com/alerting/list","text":"**Firing**\n\nValue: A=97.3\nLabels:\n - alertname = HighCPU\n - instance = node-1\n - severity = critical\nAnnotations:\n - summary = CPU above 95% for 5 minutes\n",` +
	`"fallback":"[FIRING:1] HighCPU (node-1 prod)","footer":"Grafana v10.4.1","color":"#D63232","ts":1712345678,` +
	`"fields":[{"title":"instance","value":"node-1","short":true},{"title":"severity","value":"critical","short":true}]}]}`

// postAll posts the alert b.N times to url from benchClients clients and
// reports posts/s.
func postAll(b *testing.B, url string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients}}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range benchClients {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				resp, err := client.Post(url, "application/json", strings.NewReader(benchAlert))
				if err != nil {
					panic(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(body) != "ok" {
					panic("post: " + resp.Status + " " + string(body))
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "posts/s")
}

func BenchmarkIncomingHook(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "tandem.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	u := &tandem.User{Email: "owner@example.com", Name: "Owner", PasswordHash: "x", Role: tandem.RoleAgent}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	bot := &tandem.Bot{OwnerID: u.ID, Name: "grafana", URL: "https://bots.example/grafana", Scopes: []tandem.Scope{tandem.ScopeMessagesWrite},
		TokenHash: auth.HashToken("bot"), TokenID: "t", SigningSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	if err := db.CreateBot(ctx, bot); err != nil {
		b.Fatal(err)
	}
	user := tandem.Account{Kind: tandem.AccountUser, ID: u.ID}
	c := &tandem.Conversation{Kind: tandem.ConversationGroup, Name: "alerts", CreatedBy: user}
	if err := db.CreateConversation(ctx, c, []*tandem.Member{{Account: user},
		{Account: tandem.Account{Kind: tandem.AccountBot, ID: bot.ID}, AddedBy: user, Granted: bot.Scopes}}); err != nil {
		b.Fatal(err)
	}
	if err := db.CreateHook(ctx, &tandem.Hook{BotID: bot.ID, ConversationID: c.ID, TokenHash: auth.HashToken("hooktoken")}); err != nil {
		b.Fatal(err)
	}
	// The limits are lifted: this measures the work of a post, not the
	// limits' refusals.
	convs := conversation.New(conversation.Config{Key: []byte("0123456789abcdef0123456789abcdef"), BotBurst: 1 << 30, BotEvery: time.Nanosecond}, db)
	defer convs.Close()
	recv := slackhook.NewReceiver(slackhook.Config{Store: db, Poster: convs, Burst: 1 << 30, Every: time.Nanosecond})
	srv := httptest.NewServer(httpapi.New(httpapi.Deps{Hooks: recv}))
	defer srv.Close()
	postAll(b, srv.URL+"/hooks/hooktoken")
}

func BenchmarkBareHandler(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(http.MaxBytesReader(w, r.Body, slackhook.MaxBody)); err != nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	postAll(b, srv.URL+"/hooks/hooktoken")
}
