package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/cli"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// tandemCmd runs the tandem command line in-process against data dir dir.
func tandemCmd(t *testing.T, dir, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--data", dir)
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustRun is tandemCmd that fails t on an error.
func mustRun(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := tandemCmd(t, dir, stdin, args...)
	if err != nil {
		t.Fatalf("tandem %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// newDataDir makes a data directory with a database in it, as `tandem
// serve` leaves one.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	db, err := backend.OpenStore(context.Background(), backend.SQLiteURL(filepath.Join(dir, app.DBFile)))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// storedUser opens the store in dir, which stays open until t ends, and
// returns it with the user who has email.
func storedUser(t *testing.T, dir, email string) (store.Store, *tandem.User) {
	t.Helper()
	db, err := backend.OpenStore(context.Background(), backend.SQLiteURL(filepath.Join(dir, app.DBFile)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u, err := db.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return db, u
}

// dataLines returns the rows of a table printed by a list command, without
// its header.
func dataLines(out string) []string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[1:]
}

func TestUserAddListRemove(t *testing.T) {
	dir := newDataDir(t)
	out := mustRun(t, dir, "correct horse battery\nignored second line\n",
		"user", "add", "--email", "Alex@Example.com", "--name", "Alex from Support", "--role", "admin", "--password-stdin")
	if !strings.Contains(out, "alex@example.com") || strings.Contains(out, "password:") {
		t.Errorf("user add output:\n%s\nwant the lowercased email and no password", out)
	}
	if fi, err := os.Stat(dir); err != nil {
		t.Errorf("data dir: %v; want it made with 0700", err)
	} else if fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v; want it made with 0700", fi.Mode().Perm())
	}

	// Flags may come after the subcommand's arguments, and the default role is agent.
	mustRun(t, dir, "", "user", "add", "--email", "sam@example.com", "--name", "Sam")

	out = mustRun(t, dir, "", "user", "list")
	rows := dataLines(out)
	if !strings.HasPrefix(out, "ID") || len(rows) != 2 {
		t.Fatalf("user list:\n%s\nwant a header and 2 rows", out)
	}
	if !regexp.MustCompile(`alex@example\.com\s+Alex from Support\s+admin\s+\d{4}-\d\d-\d\d`).MatchString(rows[0]) {
		t.Errorf("user list row %q: want email, name, role and date", rows[0])
	}
	if !regexp.MustCompile(`sam@example\.com\s+Sam\s+agent`).MatchString(rows[1]) {
		t.Errorf("user list row %q: want sam as an agent", rows[1])
	}

	// The stored hash is of the first line of stdin.
	_, u := storedUser(t, dir, "alex@example.com")
	if ok, err := password.Verify(u.PasswordHash, "correct horse battery"); err != nil || !ok {
		t.Errorf("the password from stdin does not verify: %v, %v", ok, err)
	}

	out = mustRun(t, dir, "", "user", "remove", "ALEX@example.com")
	if !strings.Contains(out, "removed") {
		t.Errorf("user remove output %q", out)
	}
	samID := strings.Fields(rows[1])[0]
	mustRun(t, dir, "", "user", "remove", samID)
	if rows := dataLines(mustRun(t, dir, "", "user", "list")); len(rows) != 0 {
		t.Errorf("user list after removing both: %q", rows)
	}

	_, _, err := tandemCmd(t, dir, "", "user", "remove", "alex@example.com")
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("removing an unknown user: %v, want not found", err)
	}
}

func TestUserAddGeneratedPassword(t *testing.T) {
	dir := newDataDir(t)
	out := mustRun(t, dir, "", "user", "add", "--email", "alex@example.com", "--name", "Alex")
	m := regexp.MustCompile(`(?m)^password: (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("user add without --password-stdin printed no password:\n%s", out)
	}
	if len(m[1]) < 20 {
		t.Errorf("generated password %q is weak", m[1])
	}
	_, u := storedUser(t, dir, "alex@example.com")
	if ok, err := password.Verify(u.PasswordHash, m[1]); err != nil || !ok {
		t.Errorf("the printed password does not verify: %v, %v", ok, err)
	}
}

func TestUserAddRejects(t *testing.T) {
	dir := newDataDir(t)
	mustRun(t, dir, "", "user", "add", "--email", "alex@example.com", "--name", "Alex")

	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"duplicate email", "", []string{"--email", "ALEX@example.com", "--name", "Other"}, "exists"},
		{"no email", "", []string{"--name", "Alex"}, "--email"},
		{"no name", "", []string{"--email", "b@example.com"}, "--name"},
		{"bad email", "", []string{"--email", "not-an-email", "--name", "B"}, "not an email"},
		{"bad role", "", []string{"--email", "b@example.com", "--name", "B", "--role", "root"}, "role"},
		{"short password", "short\n", []string{"--email", "b@example.com", "--name", "B", "--password-stdin"}, "at least 8"},
		{"empty stdin", "", []string{"--email", "b@example.com", "--name", "B", "--password-stdin"}, "at least 8"},
		{"unknown flag", "", []string{"--email", "b@example.com", "--name", "B", "--admin"}, "flag provided but not defined"},
		{"stray argument", "", []string{"--email", "b@example.com", "--name", "B", "extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := tandemCmd(t, dir, tt.stdin, append([]string{"user", "add"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error()+stderr, tt.want) {
				t.Errorf("error %v, stderr %q; want one mentioning %q", err, stderr, tt.want)
			}
		})
	}
	if rows := dataLines(mustRun(t, dir, "", "user", "list")); len(rows) != 1 {
		t.Errorf("rejected adds changed the users: %q", rows)
	}
}

func TestUserAddKey(t *testing.T) {
	dir := newDataDir(t)
	mustRun(t, dir, "", "user", "add", "--email", "alex@example.com", "--name", "Alex")

	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " alex@laptop"
	out := mustRun(t, dir, "", "user", "add-key", "alex@example.com", "--key", line)
	if !strings.Contains(out, ssh.FingerprintSHA256(pk)) {
		t.Errorf("add-key output %q: want the fingerprint %s", out, ssh.FingerprintSHA256(pk))
	}

	pub2, _, _ := ed25519.GenerateKey(rand.Reader)
	pk2, _ := ssh.NewPublicKey(pub2)
	keyFile := filepath.Join(t.TempDir(), "id_ed25519.pub")
	if err := os.WriteFile(keyFile, ssh.MarshalAuthorizedKey(pk2), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, dir, "", "user", "add-key", "--key-file", keyFile, "alex@example.com")

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"bad key", []string{"alex@example.com", "--key", "ssh-ed25519 AAAAbroken"}, "not a single SSH public key"},
		{"private key", []string{"alex@example.com", "--key", "-----BEGIN OPENSSH PRIVATE KEY-----"}, "not a single SSH public key"},
		{"same key again", []string{"alex@example.com", "--key", line}, "registered already"},
		{"unknown user", []string{"nobody@example.com", "--key-file", keyFile}, "not found"},
		{"no key", []string{"alex@example.com"}, "exactly one of --key and --key-file"},
		{"both", []string{"alex@example.com", "--key", line, "--key-file", keyFile}, "exactly one of --key and --key-file"},
		{"missing file", []string{"alex@example.com", "--key-file", filepath.Join(t.TempDir(), "none.pub")}, "no such file"},
		{"no user", []string{"--key", line}, "want one EMAIL or ID"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := tandemCmd(t, dir, "", append([]string{"user", "add-key"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}

	db, u := storedUser(t, dir, "alex@example.com")
	keys, err := db.UserKeys(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != line {
		t.Errorf("stored keys %q, want the two good ones, first %q", keys, line)
	}
	if got, err := db.UserByKeyFingerprint(context.Background(), ssh.FingerprintSHA256(pk2)); err != nil || got.ID != u.ID {
		t.Errorf("the key from --key-file is not found by fingerprint: %v", err)
	}
}

func TestSiteAddListRemove(t *testing.T) {
	dir := newDataDir(t)
	out := mustRun(t, dir, "", "site", "add", "--name", "Shop", "--origin", "https://shop.example.com",
		"--origin", "http://localhost:3000/", "--strict-masking", "--server-url", "https://help.example.com/")
	m := regexp.MustCompile(`(?m)^site key: (site_\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("site add printed no site key:\n%s", out)
	}
	key := m[1]
	snippet := `<script src="https://help.example.com/sdk.js" data-site="` + key + `" async></script>`
	if !strings.Contains(out, snippet) {
		t.Errorf("site add output:\n%s\nwant the snippet %s", out, snippet)
	}

	out = mustRun(t, dir, "", "site", "add", "--name", "Blog", "--origin", "https://blog.example.com", "--capture-bodies", "--consent-each-agent")
	if !strings.Contains(out, `<script src="http://127.0.0.1:8080/sdk.js" data-site="site_`) {
		t.Errorf("site add without --server-url:\n%s\nwant a snippet for http://127.0.0.1:8080", out)
	}

	out = mustRun(t, dir, "", "site", "list")
	rows := dataLines(out)
	if len(rows) != 2 {
		t.Fatalf("site list:\n%s\nwant 2 rows", out)
	}
	if !strings.Contains(rows[0], key) || !strings.Contains(rows[0], "https://shop.example.com,http://localhost:3000") || !strings.Contains(rows[0], "strict-masking") {
		t.Errorf("site list row %q: want the key, normalized origins and strict-masking", rows[0])
	}
	if !strings.Contains(rows[1], "Blog") || !strings.Contains(rows[1], "capture-bodies,consent-each-agent") {
		t.Errorf("site list row %q: want Blog with capture-bodies and consent-each-agent", rows[1])
	}

	mustRun(t, dir, "", "site", "remove", key)
	blogID := strings.Fields(rows[1])[0]
	mustRun(t, dir, "", "site", "remove", blogID)
	if rows := dataLines(mustRun(t, dir, "", "site", "list")); len(rows) != 0 {
		t.Errorf("site list after removing both: %q", rows)
	}
	_, _, err := tandemCmd(t, dir, "", "site", "remove", key)
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("removing a removed site: %v, want not found", err)
	}
}

func TestSiteAddRejects(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"path", []string{"--name", "Shop", "--origin", "https://shop.example.com/app"}, "no path"},
		{"scheme", []string{"--name", "Shop", "--origin", "ftp://shop.example.com"}, "http or https"},
		{"no scheme", []string{"--name", "Shop", "--origin", "shop.example.com"}, "http or https"},
		{"one bad of two", []string{"--name", "Shop", "--origin", "https://ok.example", "--origin", "https://bad.example?q"}, "bad.example"},
		{"no origin", []string{"--name", "Shop"}, "--origin"},
		{"no name", []string{"--origin", "https://shop.example.com"}, "--name"},
		{"bad server url", []string{"--name", "Shop", "--origin", "https://shop.example.com", "--server-url", "127.0.0.1:8080"}, "--server-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			_, _, err := tandemCmd(t, dir, "", append([]string{"site", "add"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
			// Nothing was written: not even the data directory was made.
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a rejected site add touched the data directory: %v", err)
			}
		})
	}
}

func TestUserSiteUsage(t *testing.T) {
	tests := []struct {
		args   []string
		want   string // in the output
		stdout bool   // the output is stdout (help asked for) rather than stderr
		err    error  // errors.Is the error; nil for none
	}{
		{[]string{"user"}, "add-key", false, cli.ErrUsage},
		{[]string{"site", "-h"}, "remove", true, nil},
		{[]string{"site", "help"}, "remove", true, nil},
		{[]string{"user", "add", "-h"}, "-password-stdin", false, flag.ErrHelp},
		{[]string{"site", "add", "--help"}, "-origin", false, flag.ErrHelp},
		{[]string{"user", "frobnicate"}, "usage: tandem user", false, cli.ErrUsage},
		{[]string{"site", "list", "extra"}, "usage: tandem site list", false, errAny},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, strings.NewReader(""), &out, &errOut)
			switch {
			case tt.err == nil && err != nil, tt.err != nil && err == nil,
				tt.err != nil && tt.err != errAny && !errors.Is(err, tt.err):
				t.Errorf("error %v; want %v", err, tt.err)
			}
			got := errOut.String()
			if tt.stdout {
				got = out.String()
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("output %q, want %q in it", got, tt.want)
			}
		})
	}
}

// errAny stands for "some error" in test tables.
var errAny = errors.New("any error")

func TestDefaultDataDir(t *testing.T) {
	t.Setenv("TANDEM_DATA", "/srv/tandem")
	if got := defaultDataDir(); got != "/srv/tandem" {
		t.Errorf("defaultDataDir with TANDEM_DATA = %q", got)
	}
	t.Setenv("TANDEM_DATA", "")
	if got := defaultDataDir(); got != "tandem-data" {
		t.Errorf("defaultDataDir without TANDEM_DATA = %q, want tandem-data", got)
	}
}

// Admin commands refuse a data directory that serve never made, instead of
// making an empty database there and printing an empty table.
func TestAdminRefusesMissingData(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	empty := t.TempDir()
	commands := [][]string{
		{"user", "list"},
		{"user", "add", "--email", "alex@example.com", "--name", "Alex"},
		{"user", "remove", "alex@example.com"},
		{"user", "add-key", "alex@example.com", "--key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"site", "list"},
		{"site", "add", "--name", "Shop", "--origin", "https://shop.example.com"},
		{"site", "remove", "site_x"},
		{"terminal", "list"},
		{"terminal", "print", "aaaaaaaaaaaaaaaaaaaaaaaaaa"},
	}
	for _, dir := range []struct{ path, want string }{
		{missing, "does not exist"},
		{empty, "holds no Tandem database"},
	} {
		for _, args := range commands {
			t.Run(filepath.Base(dir.path)+"/"+strings.Join(args[:2], " "), func(t *testing.T) {
				out, _, err := tandemCmd(t, dir.path, "", args...)
				if err == nil || !strings.Contains(err.Error(), dir.want) || !strings.Contains(err.Error(), "--data") {
					t.Fatalf("error %v; want one saying %q and naming --data", err, dir.want)
				}
				if out != "" {
					t.Errorf("printed %q", out)
				}
			})
		}
		entries, err := os.ReadDir(dir.path)
		if dir.path == missing && !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the missing data directory was made: %v", err)
		}
		if dir.path == empty && len(entries) != 0 {
			t.Errorf("files appeared in the empty directory: %v", entries)
		}
	}
}
