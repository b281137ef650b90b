package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
)

// The figures of docs/performance.md ("Bots"): deliveries a second of the
// outbox worker (claim from the store, sign, POST, read the answer, record
// the attempt) against a bare loop that only signs and POSTs, to the same
// local bot server, with the same number of requests in flight.
//
//	go test -run '^$' -bench 'Deliveries|BareSignedPost' -benchtime 3000x ./internal/webhook/

const benchInFlight = 4

// benchPayload is a mention event of a typical size (about 1 KiB).
var benchPayload = bytes.Repeat([]byte("x"), 1000)

// benchBotServer is a bot that reads the request and answers 204.
func benchBotServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// counter signals done once n attempts were recorded.
type counter struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (c *counter) WebhookAttempt(outcome string, _ time.Duration) {
	if outcome != outcomeDelivered {
		panic("a benchmark delivery was not delivered: " + outcome)
	}
	if c.n.Add(1) == c.want {
		close(c.done)
	}
}

func BenchmarkDeliveries(b *testing.B) {
	srv := benchBotServer(b)
	ctx := context.Background()
	f := newFixture(b, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", srv.URL)
	st := f.db
	now := time.Now()
	for start := 0; start < b.N; start += 500 {
		ds := make([]*tandem.Delivery, min(500, b.N-start))
		for i := range ds {
			ds[i] = &tandem.Delivery{ID: fmt.Sprintf("bench-%d", start+i), BotID: f.bot.ID, Kind: tandem.DeliveryMention,
				ConversationID: f.conversation.ID, URL: srv.URL, Payload: benchPayload, State: tandem.DeliveryPending, NextAttemptAt: now, CreatedAt: now}
		}
		if err := st.EnqueueDeliveries(ctx, ds); err != nil {
			b.Fatal(err)
		}
	}
	allow, _ := ParseAllow("127.0.0.1")
	c := &counter{want: int64(b.N), done: make(chan struct{})}
	w, err := New(Config{Store: st, Client: NewClient(ClientConfig{Allow: allow}), Observer: c, Workers: benchInFlight, Poll: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.ResetTimer()
	start := time.Now()
	go w.Run(rctx)
	<-c.done
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
}

func BenchmarkBareSignedPost(b *testing.B) {
	srv := benchBotServer(b)
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchInFlight}}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range benchInFlight {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				h, err := Sign(secret, fmt.Sprintf("bench-%d", i), time.Now(), benchPayload)
				if err != nil {
					panic(err)
				}
				req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(benchPayload))
				req.Header = h
				resp, err := client.Do(req)
				if err != nil {
					panic(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
}
