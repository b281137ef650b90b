package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/simclient"
)

// BenchmarkConversationFanout posts messages to a group of 100 agents,
// each with the console's conversations socket open, and measures
// messages a second (from the first post to the last delivery) and the
// latency from a post's start to its arrival on each socket.
//
//	go test -run '^$' -bench ConversationFanout -benchtime 300x ./internal/httpapi/
func BenchmarkConversationFanout(b *testing.B) {
	const members = 100
	ts := apptest.Start(b, app.Config{}, siteOrigin)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var accounts []string
	var agents []*simclient.Agent
	// Sessions are made directly: signing 99 agents in from one address
	// would meet the sign-in limits.
	sessions := &auth.Manager{Sessions: ts.Store(), Users: ts.Store()}
	base, _ := url.Parse(ts.URL())
	// Plain clients: what is measured is the server, not the checks of
	// every response against the OpenAPI document the tests make.
	var poster *simclient.Agent
	for i := range members {
		u := &tandem.User{Email: fmt.Sprintf("agent%d@example.com", i), Name: fmt.Sprintf("Agent %d", i), PasswordHash: "x", Role: tandem.RoleAgent}
		if err := ts.Store().CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		token, _, err := sessions.Start(ctx, u)
		if err != nil {
			b.Fatal(err)
		}
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(base, []*http.Cookie{{Name: "tandem_session", Value: token, Path: "/"}})
		a := &simclient.Agent{Base: ts.URL(), Client: &http.Client{Jar: jar}}
		agents = append(agents, a)
		if poster == nil {
			poster = a // the first starts the conversation and posts
			continue
		}
		accounts = append(accounts, "user:"+u.ID)
	}
	var c struct{ ID string }
	if err := poster.Do(ctx, "POST", "/api/v1/conversations", map[string]any{"kind": "group", "name": "all hands", "members": accounts}, &c); err != nil {
		b.Fatal(err)
	}
	n := b.N
	sent := make([]atomic.Int64, n+1) // unix nanos a post started, by seq
	var mu sync.Mutex
	var latencies []time.Duration
	var lastArrival atomic.Int64
	var wg sync.WaitGroup
	for _, a := range agents {
		ws, _, err := websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/conversations/ws",
			&websocket.DialOptions{HTTPClient: a.Client, HTTPHeader: map[string][]string{"Origin": {ts.URL()}}})
		if err != nil {
			b.Fatal(err)
		}
		ws.SetReadLimit(1 << 20)
		defer ws.CloseNow()
		wg.Go(func() {
			got := 0
			mine := make([]time.Duration, 0, n)
			for got < n {
				_, data, err := ws.Read(ctx)
				if err != nil {
					b.Errorf("read: %v", err)
					return
				}
				now := time.Now()
				var ev struct {
					Type    string
					Message struct{ Seq int64 }
				}
				if err := json.Unmarshal(data, &ev); err != nil || ev.Type != "message" {
					continue
				}
				if ev.Message.Seq < 1 || ev.Message.Seq > int64(n) {
					continue
				}
				mine = append(mine, now.Sub(time.Unix(0, sent[ev.Message.Seq].Load())))
				got++
			}
			lastArrival.Store(max(lastArrival.Load(), time.Now().UnixNano()))
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	b.ResetTimer()
	first := time.Now()
	for i := 1; i <= n; i++ {
		sent[i].Store(time.Now().UnixNano())
		if err := poster.Do(ctx, "POST", "/api/v1/conversations/"+c.ID+"/messages", map[string]any{"text": "status update"}, nil); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	b.StopTimer()
	elapsed := time.Unix(0, lastArrival.Load()).Sub(first)
	slices.Sort(latencies)
	if len(latencies) != n*members {
		b.Fatalf("%d deliveries, want %d", len(latencies), n*members)
	}
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(n*members)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
