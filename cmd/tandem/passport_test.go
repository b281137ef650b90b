package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

var siteKeyRE = regexp.MustCompile(`site key: (\S+)`)

func TestSitePassportRegistration(t *testing.T) {
	dir := newDataDir(t)
	out := mustRun(t, dir, "", "site", "add", "--name", "Shop", "--origin", "https://shop.example",
		"--redirect-uri", "https://shop.example/cb", "--redirect-uri", "http://localhost:3000/cb", "--confidential", "--one-device")
	m := siteKeyRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("site add output:\n%s", out)
	}
	key := m[1]
	sm := regexp.MustCompile(`client secret: (\S+)`).FindStringSubmatch(out)
	if sm == nil || !strings.Contains(out, "passport client id: "+key+" (confidential)") {
		t.Fatalf("site add --confidential output:\n%s\nwant the client id and secret", out)
	}
	db := openStore(t, dir)
	site, err := db.SiteByKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	line, err := db.(store.Passport).ServiceLine(context.Background(), site.ID)
	if err != nil {
		t.Fatal(err)
	}
	if line.ClientSecretHash != auth.HashToken(sm[1]) || !line.OneDevice || len(line.RedirectURIs) != 2 || line.AccessTTL != passport.DefaultAccessTTL {
		t.Fatalf("service line %+v", line)
	}
	if strings.Contains(line.ClientSecretHash, sm[1]) {
		t.Fatal("the secret is stored in the clear")
	}
	db.Close()

	// site set changes only what it is given; --confidential=false makes
	// the client public.
	out = mustRun(t, dir, "", "site", "set", key, "--redirect-uri", "https://shop.example/new", "--confidential=false", "--access-ttl", "10m")
	if strings.Contains(out, "client secret") || !strings.Contains(out, "(public (PKCE))") {
		t.Fatalf("site set output:\n%s", out)
	}
	db = openStore(t, dir)
	line, err = db.(store.Passport).ServiceLine(context.Background(), site.ID)
	if err != nil {
		t.Fatal(err)
	}
	if line.ClientSecretHash != "" || !line.OneDevice || len(line.RedirectURIs) != 1 || line.RedirectURIs[0] != "https://shop.example/new" || line.AccessTTL != 10*time.Minute {
		t.Fatalf("service line after set %+v", line)
	}

	// Bad redirect URIs change nothing.
	for _, bad := range []string{"http://shop.example/cb", "https://shop.example/cb#x", "not a url", "javascript:alert(1)"} {
		if _, stderr, err := tandemCmd(t, dir, "", "site", "set", key, "--redirect-uri", bad); err == nil {
			t.Errorf("site set --redirect-uri %q passed (%s)", bad, stderr)
		}
	}
	if _, _, err := tandemCmd(t, dir, "", "site", "add", "--name", "Bad", "--origin", "https://bad.example", "--redirect-uri", "http://bad.example/cb"); err == nil {
		t.Error("site add with an http redirect URI passed")
	}
	if out := mustRun(t, dir, "", "site", "list"); strings.Contains(out, "Bad") {
		t.Errorf("a refused site add stored the site:\n%s", out)
	}
	line2, err := db.(store.Passport).ServiceLine(context.Background(), site.ID)
	if err != nil || len(line2.RedirectURIs) != 1 || line2.RedirectURIs[0] != "https://shop.example/new" {
		t.Fatalf("after refused changes: %+v, %v", line2, err)
	}
}

func TestIdentityAdd(t *testing.T) {
	dir := newDataDir(t)
	out := mustRun(t, dir, "a good long password\n", "identity", "add", "--email", "Sam@Example.com", "--name", "Sam Doe", "--password-stdin")
	if strings.Contains(out, "password:") || !strings.Contains(out, "added identity") {
		t.Fatalf("identity add output:\n%s", out)
	}
	db := openStore(t, dir)
	id, err := db.(store.Passport).IdentityByEmail(context.Background(), "sam@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := password.Verify(id.PasswordHash, "a good long password"); !ok || err != nil || id.Name != "Sam Doe" {
		t.Fatalf("identity %+v: password ok %v, %v", id, ok, err)
	}
	out = mustRun(t, dir, "", "identity", "add", "--email", "kim@example.com", "--name", "Kim")
	if !regexp.MustCompile(`password: \S{12,}`).MatchString(out) {
		t.Fatalf("identity add without --password-stdin must print a generated password:\n%s", out)
	}
	for _, args := range [][]string{
		{"identity", "add", "--email", "sam@example.com", "--name", "Again"}, // taken
		{"identity", "add", "--email", "not an email", "--name", "X"},
		{"identity", "add", "--email", "x@example.com"},
	} {
		if _, _, err := tandemCmd(t, dir, "short\n", args...); err == nil {
			t.Errorf("tandem %v passed", args)
		}
	}
	if _, _, err := tandemCmd(t, dir, "short\n", "identity", "add", "--email", "y@example.com", "--name", "Y", "--password-stdin"); err == nil {
		t.Error("a 5-character password passed")
	}
}

// A site names the devices it serves and a vouch key; bad ones change
// nothing, and a public site cannot vouch.
func TestSiteDevicesAndVouchKey(t *testing.T) {
	dir := newDataDir(t)
	keyFile := filepath.Join(t.TempDir(), "vouch.pem")
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if err := os.WriteFile(keyFile, pemKey, 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, dir, "", "site", "add", "--name", "Shop", "--origin", "https://shop.example", "--redirect-uri", "https://shop.example/cb",
		"--device", "browser", "--device", "ios", "--confidential", "--vouch-key", keyFile)
	if !strings.Contains(out, "devices: browser ios") || !strings.Contains(out, "vouches: yes") {
		t.Fatalf("site add output:\n%s", out)
	}
	key := siteKeyRE.FindStringSubmatch(out)[1]
	line := func() *tandem.ServiceLine {
		db := openStore(t, dir)
		defer db.Close()
		site, err := db.SiteByKey(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		l, err := db.(store.Passport).ServiceLine(context.Background(), site.ID)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := line(); l.VouchKey != string(pemKey) || !slices.Equal(l.Devices, []tandem.DeviceKind{tandem.DeviceBrowser, tandem.DeviceIOS}) {
		t.Fatalf("service line %+v", l)
	}
	badKey := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(badKey, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--device", "fridge"},
		{"--vouch-key", badKey},
		{"--vouch-key", filepath.Join(t.TempDir(), "missing.pem")},
		{"--confidential=false"}, // a public site cannot keep its vouch key
	} {
		if _, stderr, err := tandemCmd(t, dir, "", append([]string{"site", "set", key}, args...)...); err == nil {
			t.Errorf("site set %v passed (%s)", args, stderr)
		}
	}
	if l := line(); l.VouchKey != string(pemKey) || len(l.Devices) != 2 || l.ClientSecretHash == "" {
		t.Fatalf("refused changes changed the line: %+v", l)
	}
	out = mustRun(t, dir, "", "site", "set", key, "--vouch-key", "none", "--device", "android")
	if strings.Contains(out, "vouches") || !strings.Contains(out, "devices: android") {
		t.Fatalf("site set output:\n%s", out)
	}
	if l := line(); l.VouchKey != "" || !slices.Equal(l.Devices, []tandem.DeviceKind{tandem.DeviceAndroid}) {
		t.Fatalf("after removing the vouch key: %+v", l)
	}
}
