package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/simclient"
)

// hostKey is the SSH host key the relay at addr presents.
func hostKey(t *testing.T, addr string) []byte {
	t.Helper()
	var got []byte
	cfg := &ssh.ClientConfig{
		User: "probe",
		Auth: []ssh.AuthMethod{ssh.Password("x")},
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			got = key.Marshal()
			return nil
		},
		Timeout: 10 * time.Second,
	}
	if c, err := ssh.Dial("tcp", addr, cfg); err == nil {
		c.Close()
	}
	if got == nil {
		t.Fatalf("the relay at %s presented no host key", addr)
	}
	return got
}

// personChannelClose connects a person's channel to base for assist id
// with token and returns the close code the server answers with.
func personChannelClose(t *testing.T, ctx context.Context, base, id, token string) websocket.StatusCode {
	t.Helper()
	p := &simclient.Person{Base: base, Origin: siteOrigin, AssistID: id, Token: token}
	_, _, err := p.Connect(ctx)
	if err == nil {
		t.Fatalf("the person's channel to %s opened", base)
	}
	return websocket.CloseStatus(err)
}

// Two servers on one store (each with its own data directory) accept each
// other's console sessions and person tokens and present the same SSH host
// key, so that any of them can answer a client.
func TestServersOnOneStoreShareSecrets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	storeURL := backend.SQLiteURL(filepath.Join(t.TempDir(), "shared", "tandem.db"))
	a := apptest.Start(t, app.Config{StoreURL: storeURL, SSHAddr: "127.0.0.1:0"}, siteOrigin)
	b := apptest.Start(t, app.Config{StoreURL: storeURL, SSHAddr: "127.0.0.1:0"}, siteOrigin)

	agent, err := a.Login(ctx, a.AgentEmail, a.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	onB := &simclient.Agent{Base: b.URL(), Client: agent.Client}
	if err := onB.Do(ctx, "GET", "/api/v1/me", nil, nil); err != nil {
		t.Errorf("a session made on one server, on the other: %v", err)
	}

	p := a.Person(siteOrigin)
	if err := p.RequestHelp(ctx, siteOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	// The assist lives on the first server: the second passes its
	// person's channel there, where the token is checked and accepted.
	onOther := &simclient.Person{Base: b.URL(), Origin: siteOrigin, AssistID: p.AssistID, Token: p.Token}
	if _, _, err := onOther.Connect(ctx); err != nil {
		t.Errorf("a person token of one server, on the other: %v", err)
	} else {
		_ = onOther.WS.CloseNow()
	}
	forged := "A" + p.Token[1:]
	if p.Token[0] == 'A' {
		forged = "B" + p.Token[1:]
	}
	// Refused by the owner, through the other server as on the owner.
	direct := personChannelClose(t, ctx, a.URL(), p.AssistID, forged)
	if code := personChannelClose(t, ctx, b.URL(), p.AssistID, forged); code != direct || code < 4000 {
		t.Errorf("a forged token: close %d through the other server, %d on the owner; want the owner's refusal", code, direct)
	}

	if ka, kb := hostKey(t, a.SSHAddr()), hostKey(t, b.SSHAddr()); !bytes.Equal(ka, kb) {
		t.Error("the two servers present different SSH host keys")
	}
}

// With --secrets-file, servers take their keys from the file, not from
// the store, and the file's host key is the one helpers see.
func TestSecretsFile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	secrets, err := app.NewSecrets()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "secrets.pem")
	if err := app.WriteSecretsFile(file, secrets); err != nil {
		t.Fatal(err)
	}
	storeURL := backend.SQLiteURL(filepath.Join(t.TempDir(), "tandem.db"))
	a := apptest.Start(t, app.Config{StoreURL: storeURL, SSHAddr: "127.0.0.1:0", SecretsFile: file}, siteOrigin)
	if got := hostKey(t, a.SSHAddr()); !bytes.Equal(got, secrets.HostKey.PublicKey().Marshal()) {
		t.Error("the relay does not present the secrets file's host key")
	}
	// A server on the same store without the file has other keys: the
	// file's are not in the store.
	b := apptest.Start(t, app.Config{StoreURL: storeURL, SSHAddr: "127.0.0.1:0"}, siteOrigin)
	if bytes.Equal(hostKey(t, b.SSHAddr()), secrets.HostKey.PublicKey().Marshal()) {
		t.Error("the secrets file's host key was stored")
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	_, err = app.Start(ctx, app.Config{Addr: "127.0.0.1:0", DemoAddr: "off", SSHAddr: "off", ICE: app.ICEConfig{TURNAddr: "off"},
		DataDir: data, SecretsFile: file})
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a secrets file others can read: %v", err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("a refused secrets file left a data directory: %v", err)
	}
}

// An installation whose data directory has the keys of an earlier version
// keeps them: they become the store's, so that people's tokens and
// helpers' known_hosts stay valid, also once the files are gone.
func TestExistingKeysMoveIntoTheStore(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	signing := bytes.Repeat([]byte{7}, 32)
	if err := os.WriteFile(filepath.Join(data, app.SigningKeyFile), signing, 0o600); err != nil {
		t.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, app.HostKeyFile), pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, _ := ssh.NewSignerFromKey(priv)
	want := signer.PublicKey().Marshal()

	for _, run := range []string{"with the files", "without them"} {
		t.Run(run, func(t *testing.T) {
			srv, err := app.Start(ctx, app.Config{Addr: "127.0.0.1:0", DemoAddr: "off", SSHAddr: "127.0.0.1:0",
				ICE: app.ICEConfig{TURNAddr: "off"}, DataDir: data})
			if err != nil {
				t.Fatal(err)
			}
			if got := hostKey(t, srv.SSHAddr()); !bytes.Equal(got, want) {
				t.Error("the relay's host key changed")
			}
			stored, err := srv.Store().Secret(ctx, "signing-key", []byte("not this"))
			if err != nil || !bytes.Equal(stored, signing) {
				t.Errorf("the stored signing key is %x, %v; want the file's", stored, err)
			}
			if err := srv.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if run != "with the files" {
				return
			}
			for _, f := range []string{app.SigningKeyFile, app.HostKeyFile} {
				if err := os.Remove(filepath.Join(data, f)); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	// Serve no longer writes key files: the keys are the store's.
	for _, f := range []string{app.SigningKeyFile, app.HostKeyFile} {
		if _, err := os.Stat(filepath.Join(data, f)); !os.IsNotExist(err) {
			t.Errorf("serve wrote %s: %v", f, err)
		}
	}
}

func TestParseSecretsFile(t *testing.T) {
	s, err := app.NewSecrets()
	if err != nil {
		t.Fatal(err)
	}
	good := app.EncodeSecretsFile(s)
	got, err := app.ParseSecretsFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.SigningKey, s.SigningKey) || !bytes.Equal(got.HostKey.PublicKey().Marshal(), s.HostKey.PublicKey().Marshal()) {
		t.Error("a secrets file does not read back as written")
	}
	signingBlock := pem.EncodeToMemory(&pem.Block{Type: "TANDEM SIGNING KEY", Bytes: s.SigningKey})
	// The host key first, with comments around, reads the same.
	if _, err := app.ParseSecretsFile(append(append([]byte("# keys\n"), s.HostKeyPEM...), append(signingBlock, "# end\n"...)...)); err != nil {
		t.Errorf("host key first: %v", err)
	}

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	encrypted, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("pass"))
	if err != nil {
		t.Fatal(err)
	}
	short := pem.EncodeToMemory(&pem.Block{Type: "TANDEM SIGNING KEY", Bytes: []byte("short")})
	cut := good[:len(good)-40]
	for _, tt := range []struct {
		name string
		text []byte
		want string
	}{
		{"empty", nil, "tandem secrets generate"},
		{"no host key", signingBlock, "no SSH host key"},
		{"no signing key", s.HostKeyPEM, "no TANDEM SIGNING KEY block"},
		{"short key", append(short, s.HostKeyPEM...), "at least 32"},
		{"two signing keys", append(signingBlock, good...), "more than one TANDEM SIGNING KEY"},
		{"two host keys", append(good, s.HostKeyPEM...), "more than one private key"},
		{"encrypted", append(signingBlock, pem.EncodeToMemory(encrypted)...), "encrypted"},
		{"unknown block", append(good, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}})...), `unknown block "CERTIFICATE"`},
		{"cut", cut, "does not decode"},
	} {
		_, err := app.ParseSecretsFile(tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q in it", tt.name, err, tt.want)
		}
		if err != nil && bytes.Contains([]byte(err.Error()), s.SigningKey) {
			t.Errorf("%s: the error shows the key", tt.name)
		}
	}

	// A file is never overwritten.
	file := filepath.Join(t.TempDir(), "secrets.pem")
	if err := app.WriteSecretsFile(file, s); err != nil {
		t.Fatal(err)
	}
	other, _ := app.NewSecrets()
	if err := app.WriteSecretsFile(file, other); err == nil || !strings.Contains(err.Error(), "never overwritten") {
		t.Errorf("writing over a secrets file: %v", err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the secrets file: %v, %v; want mode 0600", fi, err)
	}
	if s2, err := app.ReadSecretsFile(file); err != nil || !bytes.Equal(s2.SigningKey, s.SigningKey) {
		t.Errorf("ReadSecretsFile: %v", err)
	}
}
