package clustertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/tandemhq/tandem/internal/demo"
)

// cliTimeout bounds one CLI command.
const cliTimeout = 60 * time.Second

// CLI runs the tandem binary with args (and the cluster's --store and
// --blobs after them for the commands that open storage) and returns what
// it printed, stdout then stderr.
func (c *Cluster) CLI(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	cmd.Dir = c.dir
	cmd.Stdin = stdin
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("tandem %s: %w", strings.Join(args[:min(2, len(args))], " "), err)
	}
	return out.String() + errOut.String(), err
}

// storage is the flags of the admin commands that open the store.
func (c *Cluster) storage() []string {
	return []string{"--store", c.StoreURL, "--blobs", c.BlobsURL}
}

// Agent is a user who signs in to the console.
type Agent struct {
	Email, Name, Password string
}

// AddAgent creates an agent with `tandem user add` on the shared store.
func (c *Cluster) AddAgent(email, name string) Agent {
	c.t.Helper()
	pw := "a good long password " + rand.Text()
	args := append([]string{"user", "add", "--email", email, "--name", name, "--password-stdin"}, c.storage()...)
	if out, err := c.CLI(context.Background(), strings.NewReader(pw+"\n"), args...); err != nil {
		c.t.Fatalf("clustertest: %v\n%s", err, out)
	}
	return Agent{Email: email, Name: name, Password: pw}
}

// Site is a customer's site, served by the test on its own origin, whose
// pages (the demo shop's) load the SDK from the cluster's public URL.
type Site struct {
	// URL is the site's origin, http://127.0.0.1:PORT.
	URL string
	// Key is its site key, ID its id.
	Key, ID string
}

var (
	siteKeyLine = regexp.MustCompile(`(?m)^site key: (\S+)$`)
	siteIDLine  = regexp.MustCompile(`(?m)^added site .*, id (\S+)$`)
)

// AddSite creates a site with `tandem site add` whose origin is a server
// the test starts, serving the demo shop's pages.
func (c *Cluster) AddSite(name string) Site {
	c.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.t.Fatal(err)
	}
	origin := "http://" + ln.Addr().String()
	args := append([]string{"site", "add", "--name", name, "--origin", origin, "--server-url", c.PublicURL()}, c.storage()...)
	out, err := c.CLI(context.Background(), nil, args...)
	if err != nil {
		ln.Close()
		c.t.Fatalf("clustertest: %v\n%s", err, out)
	}
	key, id := siteKeyLine.FindStringSubmatch(out), siteIDLine.FindStringSubmatch(out)
	if key == nil || id == nil {
		ln.Close()
		c.t.Fatalf("clustertest: site add printed no key or id:\n%s", out)
	}
	srv := &http.Server{Handler: demo.Handler(c.PublicURL(), key[1]), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	c.t.Cleanup(func() { _ = srv.Close() })
	return Site{URL: origin, Key: key[1], ID: id[1]}
}
