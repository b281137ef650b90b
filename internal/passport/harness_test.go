package passport_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// world is a Tandem whose passport has two sites (on two origins) and a
// person.
type world struct {
	ts       *apptest.TestServer
	st       store.Passport
	a, b     *tandem.Site
	aRedir   string
	bRedir   string
	email    string
	password string
	identity *tandem.Identity
}

func newWorld(t *testing.T, cfg app.Config) *world {
	t.Helper()
	ts := apptest.Start(t, cfg, "")
	st, ok := ts.Store().(store.Passport)
	if !ok {
		t.Fatal("the store keeps no passport")
	}
	w := &world{ts: ts, st: st, email: "sam@example.com", password: "sam's good password",
		aRedir: "http://127.0.0.1:7001/callback", bRedir: "http://localhost:7002/callback"}
	w.a = w.addSite(t, "Shop A", "http://127.0.0.1:7001", w.aRedir, false)
	w.b = w.addSite(t, "Shop B", "http://localhost:7002", w.bRedir, false)
	hash, err := password.HashWith(password.TestParams(), w.password)
	if err != nil {
		t.Fatal(err)
	}
	w.identity = &tandem.Identity{Email: w.email, Name: "Sam Doe", PasswordHash: hash, CreatedAt: time.Now()}
	if err := st.CreateIdentity(t.Context(), w.identity); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) addSite(t *testing.T, name, origin, redirect string, oneDevice bool) *tandem.Site {
	t.Helper()
	site := &tandem.Site{Name: name, AllowedOrigins: []string{origin}}
	if err := w.ts.Store().CreateSite(t.Context(), site); err != nil {
		t.Fatal(err)
	}
	w.register(t, site, &tandem.ServiceLine{RedirectURIs: []string{redirect}, OneDevice: oneDevice})
	return site
}

// register registers site with the passport as l says (Domains from the site).
func (w *world) register(t *testing.T, site *tandem.Site, l *tandem.ServiceLine) {
	t.Helper()
	l.SiteID, l.Domains = site.ID, site.AllowedOrigins
	l.Devices = []tandem.DeviceKind{tandem.DeviceBrowser}
	if l.AccessTTL == 0 {
		l.AccessTTL, l.RefreshTTL = time.Hour, 24*time.Hour
	}
	l.CreatedAt, l.UpdatedAt = time.Now(), time.Now()
	if err := w.st.PutServiceLine(t.Context(), l); err != nil {
		t.Fatal(err)
	}
}

// browser is a person's browser: a cookie jar, following no redirects so
// that the test sees where the passport sends it.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// authorize opens authURL in b; when the passport shows its form, it signs
// in with email and pw. It returns the redirect's query and whether the
// form was shown.
func authorize(ctx context.Context, b *http.Client, authURL, email, pw string) (url.Values, bool, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", authURL, nil)
	resp, err := b.Do(req)
	if err != nil {
		return nil, false, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusSeeOther {
		q, err := redirectQuery(resp)
		return q, false, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, false, fmt.Errorf("authorize: %s: %s", resp.Status, body)
	}
	form := url.Values{"email": {email}, "password": {pw}}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(body), -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	action := resp.Request.URL.ResolveReference(&url.URL{Path: "/passport/authorize"})
	req, _ = http.NewRequestWithContext(ctx, "POST", action.String(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = b.Do(req)
	if err != nil {
		return nil, true, err
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, true, fmt.Errorf("sign in: %s: %s", resp.Status, body)
	}
	q, err := redirectQuery(resp)
	return q, true, err
}

func redirectQuery(resp *http.Response) (url.Values, error) {
	loc, err := resp.Location()
	if err != nil {
		return nil, err
	}
	q := loc.Query()
	if q.Get("error") != "" {
		return q, errors.New(q.Get("error") + ": " + q.Get("error_description"))
	}
	return q, nil
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`)
	return r.Replace(s)
}
