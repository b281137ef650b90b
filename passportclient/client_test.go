package passportclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/passportclient"
)

const secret = "the site's client secret, long enough"

// counting counts the requests a client sends.
type counting struct{ n atomic.Int64 }

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// signedIn starts Tandem with a confidential site and a person signed in
// on it, and returns the server, the site's key and the token response.
func signedIn(t testing.TB, cfg app.Config) (*apptest.TestServer, string, *oauth2.Token) {
	t.Helper()
	ctx := context.Background()
	ts := apptest.Start(t, cfg, "")
	st := ts.Store().(store.Passport)
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"http://127.0.0.1:7001"}}
	if err := ts.Store().CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	redirect := "http://127.0.0.1:7001/cb"
	now := time.Now()
	if err := st.PutServiceLine(ctx, &tandem.ServiceLine{SiteID: site.ID, Domains: site.AllowedOrigins, RedirectURIs: []string{redirect},
		AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour, ClientSecretHash: auth.HashToken(secret), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	hash, _ := password.HashWith(password.TestParams(), "a good password")
	id := &tandem.Identity{Email: "sam@example.com", Name: "Sam", PasswordHash: hash, CreatedAt: now}
	if err := st.CreateIdentity(ctx, id); err != nil {
		t.Fatal(err)
	}
	// The browser's part: a session and a code, straight from the service.
	svc := ts.Passport()
	sessTok, err := svc.StartSession(ctx, id.ID)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := svc.LookupSession(ctx, sessTok)
	if err != nil || sess == nil {
		t.Fatalf("session: %v", err)
	}
	client, err := svc.LookupClient(ctx, site.Key)
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	code, err := svc.IssueCode(ctx, client, &passport.AuthRequest{ClientID: site.Key, RedirectURI: redirect, Scope: "openid",
		CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier), CodeChallengeMethod: "S256"}, id.ID, sess.DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	conf := &oauth2.Config{ClientID: site.Key, ClientSecret: secret, RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{TokenURL: ts.URL() + "/passport/token", AuthStyle: oauth2.AuthStyleInHeader}}
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return ts, site.Key, tok
}

func TestVerifyCachesAndExpires(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts, key, tok := signedIn(t, app.Config{Now: clock})
	rt := &counting{}
	pc := passportclient.New(passportclient.Config{URL: ts.URL(), ClientID: key, ClientSecret: secret,
		HTTP: &http.Client{Transport: rt}, CacheTTL: time.Minute, Now: clock})
	ctx := t.Context()
	r, err := pc.Verify(ctx, tok.AccessToken)
	if err != nil || !r.Active || r.IdentityID == "" || r.SiteID == "" {
		t.Fatalf("verify: %+v, %v", r, err)
	}
	for range 10 {
		if r2, err := pc.Verify(ctx, tok.AccessToken); err != nil || !r2.Active || r2.IdentityID != r.IdentityID {
			t.Fatalf("verify again: %+v, %v", r2, err)
		}
	}
	if n := rt.n.Load(); n != 1 {
		t.Fatalf("%d requests for 11 verifications of one token, want 1 (cached)", n)
	}
	// Inactive answers are cached too: garbage does not reach the server twice.
	bad := "tpa_" + strings.Repeat("A", 43)
	for range 3 {
		if r, err := pc.Verify(ctx, bad); err != nil || r.Active || r.Reason != "unknown" {
			t.Fatalf("verify an unknown token: %+v, %v", r, err)
		}
	}
	if n := rt.n.Load(); n != 2 {
		t.Fatalf("%d requests after an unknown token thrice, want 2", n)
	}
	// Past the token's expiry (on both clocks) the cache does not answer
	// active, nor does the passport.
	mu.Lock()
	now = r.ExpiresAt.Add(time.Second)
	mu.Unlock()
	if r, err := pc.Verify(ctx, tok.AccessToken); err != nil || r.Active {
		t.Fatalf("verify past expiry: %+v, %v", r, err)
	}
	if n := rt.n.Load(); n != 3 {
		t.Fatalf("%d requests after the token expired, want 3 (the cached answer expires with the token)", n)
	}

	// Wrong credentials are an error, not an inactive token.
	wrong := passportclient.New(passportclient.Config{URL: ts.URL(), ClientID: key, ClientSecret: "wrong", CacheTTL: -1})
	_, err = wrong.Verify(ctx, tok.AccessToken)
	var perr *passportclient.Error
	if !errors.As(err, &perr) || perr.Status != http.StatusUnauthorized {
		t.Fatalf("verify with a wrong secret: %v", err)
	}
}

func TestRefreshAndIntrospect(t *testing.T) {
	ts, key, tok := signedIn(t, app.Config{})
	pc := passportclient.New(passportclient.Config{URL: ts.URL(), ClientID: key, ClientSecret: secret, CacheTTL: -1})
	ctx := t.Context()
	in, err := pc.Introspect(ctx, tok.AccessToken)
	if err != nil || !in.Active || in.ClientID != key || in.Sub == "" {
		t.Fatalf("introspect: %+v, %v", in, err)
	}
	fresh, err := pc.Refresh(ctx, tok.RefreshToken)
	if err != nil || fresh.AccessToken == tok.AccessToken {
		t.Fatalf("refresh: %+v, %v", fresh, err)
	}
	if in, err := pc.Introspect(ctx, tok.AccessToken); err != nil || in.Active {
		t.Fatalf("introspect the rotated token: %+v, %v", in, err)
	}
	if r, err := pc.Verify(ctx, fresh.AccessToken); err != nil || !r.Active {
		t.Fatalf("verify the new token: %+v, %v", r, err)
	}
	_, err = pc.Refresh(ctx, "tpr_nonsense")
	var perr *passportclient.Error
	if !errors.As(err, &perr) || perr.Code != "invalid_grant" {
		t.Fatalf("refresh garbage: %v", err)
	}
}

// BenchmarkVerify compares, in one run on the same machine, verifications
// per second over HTTP (no client cache) with a minimal net/http handler
// that answers a fixed JSON body, and verifications with the client's
// cache. The ratio is reported as http/bare.
func BenchmarkVerify(b *testing.B) {
	ts, key, tok := signedIn(b, app.Config{})
	ctx := context.Background()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "identityId": "x", "siteId": "y"})
	}))
	defer bare.Close()
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport}
	var bareRate, httpRate float64
	b.Run("bare", func(b *testing.B) {
		body := `{"token":"` + tok.AccessToken + `"}`
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				resp, err := hc.Post(bare.URL, "application/json", strings.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				var v map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&v)
				resp.Body.Close()
			}
		})
		bareRate = float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(bareRate, "req/s")
	})
	b.Run("http", func(b *testing.B) {
		pc := passportclient.New(passportclient.Config{URL: ts.URL(), ClientID: key, ClientSecret: secret, HTTP: hc, CacheTTL: -1})
		var mu sync.Mutex
		var lat []time.Duration
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			for pb.Next() {
				start := time.Now()
				if r, err := pc.Verify(ctx, tok.AccessToken); err != nil || !r.Active {
					b.Errorf("verify: %+v, %v", r, err)
					return
				}
				mine = append(mine, time.Since(start))
			}
		})
		httpRate = float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(httpRate, "verify/s")
		if len(lat) > 0 {
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		}
		if bareRate > 0 {
			b.ReportMetric(httpRate/bareRate, "ratio-to-bare")
		}
	})
	// interleaved alternates the two in every goroutine, so that both see
	// the same machine at the same moments: on a shared machine the
	// separate rounds above drift apart. In a closed loop of the same
	// concurrency, throughput is inversely proportional to the mean time
	// of one request, so the ratio is bare time over verify time.
	b.Run("interleaved", func(b *testing.B) {
		pc := passportclient.New(passportclient.Config{URL: ts.URL(), ClientID: key, ClientSecret: secret, HTTP: hc, CacheTTL: -1})
		body := `{"token":"` + tok.AccessToken + `"}`
		var bareNanos, verifyNanos atomic.Int64
		var mu sync.Mutex
		var lat []time.Duration
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			for pb.Next() {
				start := time.Now()
				resp, err := hc.Post(bare.URL, "application/json", strings.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				var v map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&v)
				resp.Body.Close()
				mid := time.Now()
				if r, err := pc.Verify(ctx, tok.AccessToken); err != nil || !r.Active {
					b.Errorf("verify: %+v, %v", r, err)
					return
				}
				took := time.Since(mid)
				bareNanos.Add(int64(mid.Sub(start)))
				verifyNanos.Add(int64(took))
				mine = append(mine, took)
			}
		})
		if verifyNanos.Load() > 0 {
			b.ReportMetric(float64(bareNanos.Load())/float64(verifyNanos.Load()), "ratio-to-bare")
		}
		if len(lat) > 0 {
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		}
	})
	b.Run("cached", func(b *testing.B) {
		pc := passportclient.New(passportclient.Config{URL: ts.URL(), ClientID: key, ClientSecret: secret, HTTP: hc})
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if r, err := pc.Verify(ctx, tok.AccessToken); err != nil || !r.Active {
					b.Errorf("verify: %+v, %v", r, err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verify/s")
	})
}
