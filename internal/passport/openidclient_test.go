package passport_test

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tandemhq/tandem/internal/app"
)

// The npm openid-client completes the code flow (PKCE, state, nonce, the
// iss parameter), reads userinfo, introspects, refreshes and revokes.
func TestOpenIDClientCodeFlow(t *testing.T) {
	w := newWorld(t, app.Config{})
	w.confidential(t, false)
	entry, err := filepath.Abs(filepath.Join("..", "..", "web", "node_modules", "openid-client", "build", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(entry); err != nil {
		t.Fatalf("openid-client is not installed (cd web && npm ci): %v", err)
	}
	cmd := exec.CommandContext(t.Context(), "node", filepath.Join("testdata", "openid-client.mjs"), w.ts.URL(), w.a.Key, secretA, w.aRedir)
	cmd.Env = append(os.Environ(), "OPENID_CLIENT="+entry)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewScanner(stdout)
	var start struct{ Authorize string }
	if !out.Scan() || json.Unmarshal(out.Bytes(), &start) != nil {
		_ = cmd.Wait()
		t.Fatalf("node printed %q; stderr:\n%s", out.Text(), stderr.String())
	}
	q, form, err := authorize(t.Context(), browser(t), start.Authorize, w.email, w.password)
	if err != nil || !form {
		t.Fatalf("authorize (form %v): %v", form, err)
	}
	if _, err := io.WriteString(stdin, w.aRedir+"?"+q.Encode()+"\n"); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Sub, Email, IntroSub, ClientID, RevokedReason string
		Active, Refreshed, OldActive, RevokedActive   bool
	}
	if !out.Scan() || json.Unmarshal(out.Bytes(), &got) != nil {
		_ = cmd.Wait()
		t.Fatalf("node printed %q; stderr:\n%s", out.Text(), stderr.String())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("node: %v; stderr:\n%s", err, stderr.String())
	}
	want := got
	want.Sub, want.Email, want.IntroSub, want.ClientID = w.identity.ID, w.email, w.identity.ID, w.a.Key
	want.Active, want.Refreshed, want.OldActive, want.RevokedActive, want.RevokedReason = true, true, false, false, "revoked"
	if got != want {
		t.Fatalf("openid-client saw %+v, want %+v", got, want)
	}
}

// limitedBuffer keeps the first 64 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 64<<10 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
