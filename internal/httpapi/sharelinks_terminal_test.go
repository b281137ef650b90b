package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpapi"
	"github.com/tandemhq/tandem/internal/sharelink"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/sqlite"
	"github.com/tandemhq/tandem/web"
)

// castTerminals serves every session's recording as a line naming it.
type castTerminals struct{ httpapi.Terminals }

func (castTerminals) ServeRecording(w http.ResponseWriter, r *http.Request, _ *tandem.User) {
	w.Header().Set("Content-Type", "application/x-asciicast")
	w.Write([]byte("cast of " + r.PathValue("id") + "\n"))
}

// A link to a terminal session opens the web terminal's page in its
// shared mode, and its recording is the session's.
func TestShareLinkTerminal(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u := &tandem.User{Email: "alex@example.com", Name: "Alex", Role: tandem.RoleAgent}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateTerminal(ctx, &store.Terminal{ID: "term1", HostName: "db1", Command: "bash", RecordingID: "rec1", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := db.EndTerminal(ctx, "term1", "host left", time.Now()); err != nil {
		t.Fatal(err)
	}
	svc := sharelink.New(sharelink.Config{Store: db})
	_, token, err := svc.Create(ctx, u, sharelink.CreateRequest{Kind: store.ShareTerminal, SubjectID: "term1"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(httpapi.New(httpapi.Deps{Web: web.Dist(), ShareLinks: svc, Terminals: castTerminals{}}))
	t.Cleanup(ts.Close)

	status, h, body := visit(t, ctx, ts.URL, nil, "/s/"+token)
	if status != 200 || !strings.Contains(body, `id="tt-host"`) || h.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("GET /s/TOKEN = %d, Referrer-Policy %q, want the web terminal's page", status, h.Get("Referrer-Policy"))
	}
	status, _, body = visit(t, ctx, ts.URL, nil, "/s/"+token+"/recording")
	if status != 200 || body != "cast of term1\n" {
		t.Fatalf("GET /s/TOKEN/recording = %d %q, want the session's recording", status, body)
	}
	status, _, body = visit(t, ctx, ts.URL, nil, "/s/tsl_"+strings.Repeat("b", 26))
	if status != 404 || !strings.Contains(body, `id="app"`) {
		t.Errorf("an unknown link = %d, want 404 with the console's page that says so", status)
	}
}
