package admin_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/admin"
)

func TestParseKey(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	bare := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
	fp := ssh.FingerprintSHA256(pk)
	for _, tc := range []struct {
		name, line, comment string
		ok                  bool
	}{
		{"with comment", bare + " kim@laptop", "kim@laptop", true},
		{"bare", bare, "", true},
		{"spaces around", "  " + bare + " kim@laptop\n", "kim@laptop", true},
		{"empty", "", "", false},
		{"type only", "ssh-ed25519", "", false},
		{"broken base64", "ssh-ed25519 AAAA!!", "", false},
		{"private key", "-----BEGIN OPENSSH PRIVATE KEY-----", "", false},
		{"two keys", bare + "\n" + bare, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := admin.ParseKey(tc.line)
			if !tc.ok {
				if tandem.ErrorCode(err) != tandem.EInvalid {
					t.Fatalf("ParseKey = %+v, %v; want invalid", k, err)
				}
				return
			}
			if err != nil || k.Fingerprint != fp || k.Type != "ssh-ed25519" || k.Comment != tc.comment || k.Line != strings.TrimSpace(tc.line) {
				t.Fatalf("ParseKey = %+v, %v; want %s with comment %q", k, err, fp, tc.comment)
			}
		})
	}
}

func TestRequireAdmin(t *testing.T) {
	for _, tc := range []struct {
		u    *tandem.User
		want string
	}{
		{nil, tandem.EForbidden},
		{&tandem.User{Role: tandem.RoleAgent}, tandem.EForbidden},
		{&tandem.User{Role: tandem.RoleAdmin}, ""},
	} {
		if got := tandem.ErrorCode(admin.RequireAdmin(tc.u)); tc.want != "" && got != tc.want || tc.want == "" && admin.RequireAdmin(tc.u) != nil {
			t.Errorf("RequireAdmin(%+v) = %s, want %q", tc.u, got, tc.want)
		}
	}
}
