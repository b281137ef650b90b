package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/cli"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// passportFlags are the flags of site add and site set that register the
// site with the passport (an OpenID Connect client whose id is its key).
type passportFlags struct {
	fs           *flag.FlagSet
	redirects    stringsFlag
	confidential *bool
	oneDevice    *bool
	accessTTL    *time.Duration
	refreshTTL   *time.Duration
	devices      stringsFlag
	vouchKeyFile *string
	vouchKey     string // read from vouchKeyFile by check; "" with "none"
}

func addPassportFlags(fs *flag.FlagSet) *passportFlags {
	p := &passportFlags{fs: fs}
	fs.Var(&p.redirects, "redirect-uri", "an exact `URI` the passport may send sign-in codes to (https, or http on localhost); repeat for more. Registers the site with the passport")
	p.confidential = fs.Bool("confidential", false, "make the site a confidential client: a client secret for its back end is printed once")
	p.oneDevice = fs.Bool("one-device", false, "a new sign-in of a person on the site signs out their other devices")
	p.accessTTL = fs.Duration("access-ttl", passport.DefaultAccessTTL, "how long the site's access tokens live")
	p.refreshTTL = fs.Duration("refresh-ttl", passport.DefaultRefreshTTL, "how long a sign-in lasts without use (refresh token lifetime)")
	fs.Var(&p.devices, "device", "a `KIND` of device the site serves people on: browser, ios, android or desktop; repeat for more (browser when never given)")
	p.vouchKeyFile = fs.String("vouch-key", "", "a PEM public key `FILE` (ES256 or RS256) the site's back end signs assertions with to vouch for people it signed in (it can then make identities); none to remove. Needs --confidential")
	return p
}

// given reports whether any passport flag was set.
func (p *passportFlags) given() bool {
	set := false
	p.fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "redirect-uri", "confidential", "one-device", "access-ttl", "refresh-ttl", "device", "vouch-key":
			set = true
		}
	})
	return set
}

// check checks the flags before anything is stored.
func (p *passportFlags) check() error {
	for _, u := range p.redirects {
		if err := passport.CheckRedirectURI(u); err != nil {
			return tandem.Errorf(tandem.EInvalid, "--redirect-uri %q: %v", u, err)
		}
	}
	if *p.accessTTL < time.Minute || *p.refreshTTL < *p.accessTTL {
		return tandem.Errorf(tandem.EInvalid, "--access-ttl must be at least 1m and --refresh-ttl at least --access-ttl")
	}
	for _, d := range p.devices {
		if err := store.CheckDeviceKind(tandem.DeviceKind(d), false); err != nil {
			return tandem.Errorf(tandem.EInvalid, "--device %q: the kinds are browser, ios, android and desktop", d)
		}
	}
	if f := *p.vouchKeyFile; f != "" && f != "none" {
		b, err := os.ReadFile(f)
		if err != nil {
			return tandem.Errorf(tandem.EInvalid, "--vouch-key: %v", err)
		}
		if _, err := store.ParseVouchKey(string(b)); err != nil {
			return tandem.Errorf(tandem.EInvalid, "--vouch-key %s: %s", f, tandem.ErrorMessage(err))
		}
		p.vouchKey = string(b)
	}
	return nil
}

// apply registers site with the passport, or changes its registration
// (only what was given), and prints the client's details.
func (p *passportFlags) apply(ctx context.Context, db store.Store, site *tandem.Site, stdout io.Writer) error {
	ps, err := passportOf(db, "site")
	if err != nil {
		return err
	}
	set := map[string]bool{}
	p.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	now := time.Now()
	line, err := ps.ServiceLine(ctx, site.ID)
	switch tandem.ErrorCode(err) {
	case "":
	case tandem.ENotFound:
		line = &tandem.ServiceLine{SiteID: site.ID, Devices: []tandem.DeviceKind{tandem.DeviceBrowser},
			AccessTTL: *p.accessTTL, RefreshTTL: *p.refreshTTL, CreatedAt: now}
	default:
		return err
	}
	line.Domains = site.AllowedOrigins
	if set["redirect-uri"] {
		line.RedirectURIs = p.redirects
	}
	if set["one-device"] {
		line.OneDevice = *p.oneDevice
	}
	if set["access-ttl"] {
		line.AccessTTL = *p.accessTTL
	}
	if set["refresh-ttl"] {
		line.RefreshTTL = *p.refreshTTL
	}
	if set["device"] {
		line.Devices = nil
		for _, d := range p.devices {
			line.Devices = append(line.Devices, tandem.DeviceKind(d))
		}
	}
	if set["vouch-key"] {
		line.VouchKey = p.vouchKey
	}
	secret := ""
	if set["confidential"] {
		if *p.confidential {
			secret, line.ClientSecretHash = passport.NewClientSecret()
		} else {
			line.ClientSecretHash = ""
		}
	}
	if len(line.RedirectURIs) == 0 {
		return tandem.Errorf(tandem.EInvalid, "a site registered with the passport needs at least one --redirect-uri")
	}
	if line.VouchKey != "" && line.ClientSecretHash == "" {
		return tandem.Errorf(tandem.EInvalid, "a site that vouches must be a confidential client (--confidential)")
	}
	line.UpdatedAt = now
	if err := ps.PutServiceLine(ctx, line); err != nil {
		return err
	}
	kind := "public (PKCE)"
	if line.ClientSecretHash != "" {
		kind = "confidential"
	}
	fmt.Fprintf(stdout, "passport client id: %s (%s)\n", site.Key, kind)
	fmt.Fprintf(stdout, "redirect URIs: %s\n", strings.Join(line.RedirectURIs, " "))
	devices := make([]string, len(line.Devices))
	for i, d := range line.Devices {
		devices[i] = string(d)
	}
	fmt.Fprintf(stdout, "devices: %s\n", strings.Join(devices, " "))
	if line.VouchKey != "" {
		fmt.Fprintln(stdout, "vouches: yes (its back end may sign people in, and make identities, with its vouch key)")
	}
	if secret != "" {
		fmt.Fprintf(stdout, "client secret: %s\n", secret)
		fmt.Fprintln(stdout, "This secret is shown only now; keep it on the site's back end.")
	}
	return nil
}

// runIdentity manages people's passport accounts.
func runIdentity(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return cli.Program{Name: "tandem identity", Commands: []cli.Command{
		{Name: "add", Summary: "add a person's passport account and print its id", Run: identityAdd},
		{Name: "link", Summary: "link a passport account to an agent, who then signs in to the console with it", Run: identityLink},
	}}.Run(ctx, args, stdin, stdout, stderr)
}

func identityAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("identity add", `tandem identity add --email E --name "Sam Doe" [--password-stdin] [--agent AGENT_EMAIL]`, stderr)
	data := storageFlags(fs)
	email := fs.String("email", "", "the person's email, used to sign in (required)")
	name := fs.String("name", "", "the person's name (required)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input; without it a random one is made and printed once")
	agent := fs.String("agent", "", "the email of the agent (tandem user) who signs in to the console with this account")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		fs.Usage()
		return errors.New("identity add: --email and --name are required")
	}
	if _, err := store.NormalizeEmail(*email); err != nil {
		return cliError("identity add", err)
	}
	pw, generated := "", false
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("identity add: read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
		if len(pw) < 8 {
			return errors.New("identity add: the password must have at least 8 characters")
		}
	} else {
		pw, generated = password.Generate(), true
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return cliError("identity add", err)
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ps, err := passportOf(db, "identity add")
	if err != nil {
		return err
	}
	id := &tandem.Identity{Email: *email, Name: *name, PasswordHash: hash, CreatedAt: time.Now()}
	if *agent != "" {
		u, err := db.UserByEmail(ctx, *agent)
		if err != nil {
			return cliError("identity add --agent", err)
		}
		id.UserID = u.ID
	}
	if err := ps.CreateIdentity(ctx, id); err != nil {
		return cliError("identity add", err)
	}
	fmt.Fprintf(stdout, "added identity %s (%s), id %s\n", id.Email, id.Name, id.ID)
	if *agent != "" {
		fmt.Fprintf(stdout, "linked to agent %s: signs in to the console through the passport\n", *agent)
	}
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", pw)
		fmt.Fprintln(stdout, "This password is shown only now; pass it on safely.")
	}
	return nil
}
