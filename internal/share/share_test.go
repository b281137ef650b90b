package share

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

func TestOffers(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		target wire.DirectTCPIP
		want   bool
	}{
		{"offered port", Config{Forwards: []string{"8080"}}, wire.DirectTCPIP{Host: "127.0.0.1", Port: 8080}, true},
		{"other port", Config{Forwards: []string{"8080"}}, wire.DirectTCPIP{Host: "localhost", Port: 22}, false},
		{"proxy allows any", Config{Proxy: true}, wire.DirectTCPIP{Host: "intranet", Port: 443}, true},
		{"proxy pattern", Config{Proxy: true, ProxyAllow: []string{"*.internal:443"}}, wire.DirectTCPIP{Host: "wiki.internal", Port: 443}, true},
		{"proxy pattern port", Config{Proxy: true, ProxyAllow: []string{"*.internal:443"}}, wire.DirectTCPIP{Host: "wiki.internal", Port: 22}, false},
		{"proxy host pattern", Config{Proxy: true, ProxyAllow: []string{"db"}}, wire.DirectTCPIP{Host: "db", Port: 5432}, true},
		{"no proxy", Config{}, wire.DirectTCPIP{Host: "intranet", Port: 443}, false},
	}
	for _, tt := range tests {
		s := &Session{cfg: tt.cfg}
		if got := s.offers(&tt.target); got != tt.want {
			t.Errorf("%s: offers(%s) = %v, want %v", tt.name, tt.target.Address(), got, tt.want)
		}
	}
}

// While a question is open, the next key answers it and does not reach
// the shared program.
func TestPrompt(t *testing.T) {
	var out lockedBuffer
	p := newPrompter(&out)
	if got := p.take([]byte("ls")); string(got) != "ls" {
		t.Fatalf("no question open: %q", got)
	}
	answer := make(chan bool)
	go func() { answer <- p.yesNo(context.Background(), "Let alice join?") }()
	for !strings.Contains(out.String(), "Let alice join?") {
		time.Sleep(time.Millisecond)
	}
	for {
		p.mu.Lock()
		open := p.answer != nil
		p.mu.Unlock()
		if open {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if got := p.take([]byte("yes")); string(got) != "es" {
		t.Fatalf("the answer went to the program: %q", got)
	}
	if !<-answer {
		t.Fatal("y was not a yes")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if p.yesNo(ctx, "again?") {
		t.Fatal("a cancelled question was a yes")
	}
}

// The server's key is trusted on first use and a changed key is refused.
func TestTrustOnFirstUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known_hosts")
	key := func() ssh.PublicKey {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		k, _ := ssh.NewPublicKey(pub)
		return k
	}
	first, second := key(), key()
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2222}
	cb, err := trustOnFirstUse(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cb("tandem.example.com:2222", addr, first); err != nil {
		t.Fatalf("first use: %v", err)
	}
	cb, _ = trustOnFirstUse(path)
	if err := cb("tandem.example.com:2222", addr, first); err != nil {
		t.Fatalf("the same key again: %v", err)
	}
	if err := cb("tandem.example.com:2222", addr, second); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("a changed key: %v", err)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
