package passport

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// fakeClock is the time a unit test's passport reads.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// forgetful is a store in which identities can be deleted (the store has
// no such call yet; a deleted identity is one IdentityByID cannot find).
type forgetful struct {
	Store
	mu   sync.Mutex
	gone map[string]bool
}

func (f *forgetful) IdentityByID(ctx context.Context, id string) (*tandem.Identity, error) {
	f.mu.Lock()
	gone := f.gone[id]
	f.mu.Unlock()
	if gone {
		return nil, tandem.Errorf(tandem.ENotFound, "identity %q not found", id)
	}
	return f.Store.IdentityByID(ctx, id)
}

func (f *forgetful) forget(id string) { f.mu.Lock(); defer f.mu.Unlock(); f.gone[id] = true }

const (
	unitIssuer = "https://tandem.example"
	unitSecret = "the site's client secret, long enough"
)

// unit is a passport over a real SQLite store with two confidential
// sites (a and b) and a person with a password.
type unit struct {
	db   *sqlite.DB
	svc  *Service
	st   *forgetful
	clk  *fakeClock
	a, b *Client
	id   *tandem.Identity
}

func newUnit(t testing.TB, secret string) *unit {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u := &unit{db: db, st: &forgetful{Store: db, gone: map[string]bool{}}, clk: &fakeClock{now: time.Now().Truncate(time.Second)}}
	if u.svc, err = New(Config{Secret: []byte(secret), Issuer: unitIssuer, Now: u.clk.Now, SessionTTL: 24 * time.Hour}, u.st); err != nil {
		t.Fatal(err)
	}
	u.a = u.addSite(t, "Shop A", &tandem.ServiceLine{OneDevice: true})
	u.b = u.addSite(t, "Shop B", &tandem.ServiceLine{})
	u.id = &tandem.Identity{Email: "sam@example.com", Name: "Sam", CreatedAt: u.clk.Now()}
	if err := db.CreateIdentity(ctx, u.id); err != nil {
		t.Fatal(err)
	}
	return u
}

// addSite registers a confidential site with l's settings.
func (u *unit) addSite(t testing.TB, name string, l *tandem.ServiceLine) *Client {
	t.Helper()
	site := &tandem.Site{Name: name, AllowedOrigins: []string{"https://" + name[len(name)-1:] + ".example"}}
	if err := u.db.CreateSite(t.Context(), site); err != nil {
		t.Fatal(err)
	}
	l.SiteID = site.ID
	l.RedirectURIs = []string{"https://shop.example/cb"}
	l.ClientSecretHash = auth.HashToken(unitSecret)
	l.AccessTTL, l.RefreshTTL = time.Hour, 24*time.Hour
	if err := u.st.PutServiceLine(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	c, err := u.svc.AuthenticateClient(t.Context(), site.Key, unitSecret, true)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signIn signs the person in to the passport (a new browser: session
// cookie) and on c with a code, and returns the token answer and the
// session's cookie value.
func (u *unit) signIn(t *testing.T, c *Client, kind tandem.DeviceKind) (*Tokens, string) {
	t.Helper()
	ctx := t.Context()
	cookie, err := u.svc.StartSession(ctx, u.id.ID)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := u.svc.LookupSession(ctx, cookie)
	if err != nil || sess == nil {
		t.Fatalf("LookupSession: %v %v", sess, err)
	}
	verifier := "a-verifier-of-at-least-forty-three-characters-long"
	ar := &AuthRequest{ClientID: c.ID(), RedirectURI: c.Line.RedirectURIs[0], ResponseType: "code", Scope: "openid email",
		CodeChallenge: S256(verifier), CodeChallengeMethod: "S256", DeviceKind: string(kind)}
	if _, err := u.svc.CheckAuthRequest(ctx, ar); err != nil {
		t.Fatalf("CheckAuthRequest: %v", err)
	}
	code, err := u.svc.IssueSessionCode(ctx, c, ar, sess)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := u.svc.Exchange(ctx, c, code, ar.RedirectURI, verifier)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	return toks, cookie
}

// active reports whether an access token verifies, and its reason if not.
func (u *unit) active(t *testing.T, access string) (bool, string) {
	t.Helper()
	v, err := u.svc.Verify(t.Context(), access)
	if err != nil {
		t.Fatal(err)
	}
	return v.Active, v.Reason
}

// wantOAuth checks that err is the OAuth error code with a description
// containing desc.
func wantOAuth(t *testing.T, err error, code, desc, what string) {
	t.Helper()
	oe, ok := err.(*Error)
	if !ok || oe.Code != code || !strings.Contains(strings.ToLower(oe.Description), strings.ToLower(desc)) {
		t.Errorf("%s: error %v, want %s containing %q", what, err, code, desc)
	}
}

// storeFilter selects an identity's grants.
func storeFilter(identityID string) store.GrantFilter {
	return store.GrantFilter{IdentityID: identityID}
}

func authHash(tok string) string { return auth.HashToken(tok) }
