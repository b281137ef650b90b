package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/admin"
	"github.com/tandemhq/tandem/internal/cli"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/retention"
	"github.com/tandemhq/tandem/internal/store"
)

// runUser manages the accounts of agents and admins.
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return cli.Program{Name: "tandem user", Commands: []cli.Command{
		{Name: "add", Summary: "add an agent or admin", Run: userAdd},
		{Name: "list", Summary: "list users", Run: userList},
		{Name: "remove", Summary: "remove a user by email or id", Run: userRemove},
		{Name: "add-key", Summary: "register a user's SSH public key for terminal sessions", Run: userAddKey},
	}}.Run(ctx, args, stdin, stdout, stderr)
}

// runSite manages the sites that embed the SDK.
func runSite(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return cli.Program{Name: "tandem site", Commands: []cli.Command{
		{Name: "add", Summary: "add a site and print its key and embed snippet", Run: siteAdd},
		{Name: "list", Summary: "list sites", Run: siteList},
		{Name: "set", Summary: "change a site's settings (recording retention, triage bot, automatic video export)", Run: siteSet},
		{Name: "update", Summary: "the same as set", Run: siteSet},
		{Name: "remove", Summary: "remove a site by key or id, with its assists and their recordings", Run: siteRemove},
	}}.Run(ctx, args, stdin, stdout, stderr)
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("user add", `tandem user add --email E --name "Alex from Support" [--role agent|admin] [--password-stdin]`, stderr)
	data := storageFlags(fs)
	email := fs.String("email", "", "the user's email, used to sign in (required)")
	name := fs.String("name", "", "the name people are shown, e.g. \"Alex from Support\" (required)")
	role := fs.String("role", string(tandem.RoleAgent), "agent or admin")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input; without it a random one is made and printed once")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		fs.Usage()
		return errors.New("user add: --email and --name are required")
	}
	u := &tandem.User{Email: *email, Name: *name, Role: tandem.Role(*role)}
	// Check before asking for a password or touching the data directory.
	if err := store.CheckUser(u); err != nil {
		return cliError("user add", err)
	}

	pw, generated := "", false
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("user add: read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		pw, generated = password.Generate(), true
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return cliError("user add", err)
	}
	u.PasswordHash = hash

	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateUser(ctx, u); err != nil {
		return cliError("user add", err)
	}
	fmt.Fprintf(stdout, "added %s %s (%s), id %s\n", u.Role, u.Email, u.Name, u.ID)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", pw)
		fmt.Fprintln(stdout, "This password is shown only now; pass it on safely.")
	}
	return nil
}

func userList(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("user list", "tandem user list [--data DIR | --store URL]", stderr)
	return listTable(ctx, fs, args, stdout, "ID\tEMAIL\tNAME\tROLE\tCREATED", func(db store.Store, tw io.Writer) error {
		users, err := db.ListUsers(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, u.CreatedAt.UTC().Format("2006-01-02 15:04"))
		}
		return nil
	})
}

func userRemove(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("user remove", "tandem user remove EMAIL|ID [--data DIR | --store URL]", stderr)
	data := storageFlags(fs)
	ref, err := parseOne(fs, args, "EMAIL or ID")
	if err != nil {
		return err
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := findUser(ctx, db, ref)
	if err != nil {
		return cliError("user remove", err)
	}
	if err := db.DeleteUser(ctx, u.ID); err != nil {
		return cliError("user remove", err)
	}
	fmt.Fprintf(stdout, "removed %s %s, id %s\n", u.Role, u.Email, u.ID)
	return nil
}

func userAddKey(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("user add-key", `tandem user add-key EMAIL|ID (--key "ssh-ed25519 AAAA... comment" | --key-file F)`, stderr)
	data := storageFlags(fs)
	key := fs.String("key", "", "the public key, one authorized_keys line")
	keyFile := fs.String("key-file", "", "a `file` holding the public key, e.g. ~/.ssh/id_ed25519.pub")
	ref, err := parseOne(fs, args, "EMAIL or ID")
	if err != nil {
		return err
	}
	if (*key == "") == (*keyFile == "") {
		fs.Usage()
		return errors.New("user add-key: give exactly one of --key and --key-file")
	}
	line := *key
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return cliError("user add-key", err)
		}
		line = string(b)
	}
	k, err := admin.ParseKey(line)
	if err != nil {
		return cliError("user add-key", err)
	}

	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := findUser(ctx, db, ref)
	if err != nil {
		return cliError("user add-key", err)
	}
	if err := db.AddUserKey(ctx, u.ID, k.Line); err != nil {
		return cliError("user add-key", err)
	}
	fmt.Fprintf(stdout, "added key %s %s to %s\n", k.Type, k.Fingerprint, u.Email)
	return nil
}

// findUser finds a user by email (anything with an @) or id.
func findUser(ctx context.Context, db store.Users, ref string) (*tandem.User, error) {
	if strings.Contains(ref, "@") {
		return db.UserByEmail(ctx, ref)
	}
	return db.UserByID(ctx, ref)
}

func siteAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("site add", "tandem site add --name N --origin https://a.example [--origin ...] [--strict-masking] [--capture-bodies] [--consent-each-agent] [--retention 30d] [--redirect-uri URI ... [--confidential] [--one-device] [--device KIND ...] [--vouch-key FILE.pem]]", stderr)
	data := storageFlags(fs)
	name := fs.String("name", "", "the site's name (required)")
	var origins stringsFlag
	fs.Var(&origins, "origin", "an `origin` allowed to embed the SDK, scheme://host[:port]; repeat for more (at least one)")
	strict := fs.Bool("strict-masking", false, "mask every input and text unless marked data-tandem-unmask")
	bodies := fs.Bool("capture-bodies", false, "record request and response bodies of fetch and XHR")
	eachAgent := fs.Bool("consent-each-agent", false, "ask the person before each agent after the first sees their page")
	serverURL := fs.String("server-url", "http://127.0.0.1:8080", "the `URL` people's browsers reach Tandem at, for the snippet")
	keep := fs.String("retention", "forever", retentionUsage)
	pp := addPassportFlags(fs)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if err := pp.check(); err != nil {
		return cliError("site add", err)
	}
	keepFor, err := retention.Parse(*keep)
	if err != nil {
		return cliError("site add", err)
	}
	if *name == "" || len(origins) == 0 {
		fs.Usage()
		return errors.New("site add: --name and at least one --origin are required")
	}
	base, err := url.Parse(strings.TrimRight(*serverURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("site add: --server-url %q: want http(s)://host[:port]", *serverURL)
	}
	site := &tandem.Site{Name: *name, AllowedOrigins: origins, StrictMasking: *strict, CaptureBodies: *bodies, ConsentEachAgent: *eachAgent,
		RecordingRetention: keepFor}
	// Check before touching the data directory: bad input changes nothing.
	if err := store.CheckSite(site); err != nil {
		return cliError("site add", err)
	}

	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateSite(ctx, site); err != nil {
		return cliError("site add", err)
	}
	fmt.Fprintf(stdout, "added site %s, id %s\n", site.Name, site.ID)
	fmt.Fprintf(stdout, "site key: %s\n", site.Key)
	fmt.Fprintf(stdout, "allowed origins: %s\n", strings.Join(site.AllowedOrigins, " "))
	fmt.Fprintf(stdout, "recordings: %s\n\n", keptFor(site.RecordingRetention))
	fmt.Fprintln(stdout, "Put this on every page that should offer help:")
	fmt.Fprintf(stdout, "  %s\n", embedSnippet(base.String(), site.Key))
	if pp.given() {
		fmt.Fprintln(stdout)
		if err := pp.apply(ctx, db, site, stdout); err != nil {
			return cliError("site add", err)
		}
	}
	return nil
}

// embedSnippet is the script tag that loads the SDK for a site.
func embedSnippet(serverURL, key string) string {
	return fmt.Sprintf(`<script src="%s/sdk.js" data-site="%s" async></script>`, html.EscapeString(serverURL), html.EscapeString(key))
}

func siteList(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("site list", "tandem site list [--data DIR | --store URL]", stderr)
	return listTable(ctx, fs, args, stdout, "ID\tKEY\tNAME\tORIGINS\tOPTIONS\tRETENTION\tCREATED", func(db store.Store, tw io.Writer) error {
		sites, err := db.ListSites(ctx)
		if err != nil {
			return err
		}
		for _, s := range sites {
			opts := optionList(map[string]bool{
				"strict-masking":     s.StrictMasking,
				"capture-bodies":     s.CaptureBodies,
				"consent-each-agent": s.ConsentEachAgent,
				"auto-video":         s.AutoVideo,
			})
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Key, s.Name, strings.Join(s.AllowedOrigins, ","),
				opts, retention.Format(s.RecordingRetention), s.CreatedAt.UTC().Format("2006-01-02 15:04"))
		}
		return nil
	})
}

func siteRemove(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("site remove", "tandem site remove KEY|ID [--data DIR | --store URL --blobs URL]", stderr)
	data := storageFlags(fs)
	ref, err := parseOne(fs, args, "KEY or ID")
	if err != nil {
		return err
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	site, err := findSite(ctx, db, ref)
	if err != nil {
		return cliError("site remove", err)
	}
	// The store queues the recording of every assist it deletes, in the
	// same transaction: from here on nothing can leave an orphan blob.
	if err := db.DeleteSite(ctx, site.ID); err != nil {
		return cliError("site remove", err)
	}
	fmt.Fprintf(stdout, "removed site %s (%s), id %s, with its assists and invites\n", site.Name, site.Key, site.ID)
	deleted, err := drainRecordings(ctx, db, data)
	if err != nil {
		fmt.Fprintf(stderr, "site remove: recordings not deleted yet: %v\n", err)
		fmt.Fprintln(stderr, "They stay queued: the server's sweeper deletes them at its next round (see --sweep-interval).")
		return nil
	}
	fmt.Fprintf(stdout, "deleted %d recordings\n", deleted)
	return nil
}

// drainRecordings deletes the blobs of every recording the store has
// queued for deletion, at once rather than at the server's next sweep.
func drainRecordings(ctx context.Context, db store.Recordings, data *storage) (int, error) {
	b, err := data.openBlobs(ctx)
	if err != nil {
		return 0, err
	}
	// A few failures are enough to tell that the storage is down; the
	// sweeper retries the rest.
	res, err := retention.New(db, b, retention.Config{MaxFailures: 3}).Drain(ctx)
	return res.Deleted, err
}

func siteSet(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("site set", "tandem site set KEY|ID [--retention 90d] [--pickup-timeout 2m] [--triage-bot BOT_ID|none] [--auto-video on|off] [--network-bodies on|off] [--redirect-uri URI ...] [--confidential[=false]] [--one-device[=false]] [--device KIND ...] [--vouch-key FILE.pem|none] [--data DIR | --store URL]", stderr)
	data := storageFlags(fs)
	keep := fs.String("retention", "", retentionUsage)
	triage := fs.String("triage-bot", "", "the bot (id or name) that answers the site's people first, granted all its scopes; none for no bot")
	autoVideo := fs.String("auto-video", "", "on: the end of each assist of the site queues a video export of it; off: exports only on request")
	netBodies := fs.String("network-bodies", "", "on: the SDK records text bodies of the page's fetch and XHR requests (capped, secrets by name masked); off: methods, URLs, status, timing and headers only")
	pickup := fs.Duration("pickup-timeout", 0, "how long a person waits for an agent before they are told no one picked up and offered to leave a message (default 2m; 0: never; at most 24h)")
	pp := addPassportFlags(fs)
	ref, err := parseOne(fs, args, "KEY or ID")
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["retention"] && !set["triage-bot"] && !set["auto-video"] && !set["network-bodies"] && !set["pickup-timeout"] && !pp.given() {
		fs.Usage()
		return errors.New("site set: nothing to change; give --retention, --pickup-timeout, --triage-bot, --auto-video, --network-bodies or passport flags (--redirect-uri, --confidential, --one-device, --access-ttl, --refresh-ttl, --device, --vouch-key)")
	}
	if err := pp.check(); err != nil {
		return cliError("site set", err)
	}
	if set["auto-video"] && *autoVideo != "on" && *autoVideo != "off" {
		return fmt.Errorf("site set: --auto-video %q: want on or off", *autoVideo)
	}
	if set["network-bodies"] && *netBodies != "on" && *netBodies != "off" {
		return fmt.Errorf("site set: --network-bodies %q: want on or off", *netBodies)
	}
	if set["pickup-timeout"] {
		if err := store.CheckPickupTimeout(*pickup); err != nil {
			return cliError("site set", err)
		}
	}
	var keepFor time.Duration
	if set["retention"] {
		var err error
		if keepFor, err = retention.Parse(*keep); err != nil {
			return cliError("site set", err)
		}
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	site, err := findSite(ctx, db, ref)
	if err != nil {
		return cliError("site set", err)
	}
	if set["retention"] {
		site.RecordingRetention = keepFor
	}
	if set["triage-bot"] {
		if site.TriageBotID, err = triageBot(ctx, db, *triage); err != nil {
			return cliError("site set", err)
		}
	}
	if set["auto-video"] {
		site.AutoVideo = *autoVideo == "on"
	}
	if set["network-bodies"] {
		site.CaptureBodies = *netBodies == "on"
	}
	if err := db.UpdateSite(ctx, site); err != nil {
		return cliError("site set", err)
	}
	if set["pickup-timeout"] {
		if err := db.SetPickupTimeout(ctx, site.ID, *pickup, time.Now()); err != nil {
			return cliError("site set", err)
		}
		if *pickup == 0 {
			fmt.Fprintf(stdout, "site %s (%s): people wait for an agent without being told no one picked up\n", site.Name, site.Key)
		} else {
			fmt.Fprintf(stdout, "site %s (%s): after %v without an agent, people are offered to leave a message\n", site.Name, site.Key, *pickup)
		}
	}
	if set["auto-video"] {
		if site.AutoVideo {
			fmt.Fprintf(stdout, "site %s (%s): each assist is exported to video when it ends\n", site.Name, site.Key)
		} else {
			fmt.Fprintf(stdout, "site %s (%s): videos are exported on request only\n", site.Name, site.Key)
		}
	}
	if set["network-bodies"] {
		if site.CaptureBodies {
			fmt.Fprintf(stdout, "site %s (%s): request and response bodies are recorded (text only, capped; assists started from now on)\n", site.Name, site.Key)
		} else {
			fmt.Fprintf(stdout, "site %s (%s): request and response bodies are not recorded\n", site.Name, site.Key)
		}
	}
	if set["retention"] {
		fmt.Fprintf(stdout, "site %s (%s): recordings %s\n", site.Name, site.Key, keptFor(site.RecordingRetention))
		if keepFor > 0 {
			fmt.Fprintln(stdout, "Recordings older than that are deleted at the server's next sweep (see --sweep-interval).")
		}
	}
	if pp.given() {
		if err := pp.apply(ctx, db, site, stdout); err != nil {
			return cliError("site set", err)
		}
	}
	if set["triage-bot"] {
		if site.TriageBotID == "" {
			fmt.Fprintf(stdout, "site %s (%s): no triage bot; people's conversations go to the agents' queue at once\n", site.Name, site.Key)
		} else {
			fmt.Fprintf(stdout, "site %s (%s): triage bot %s answers people first\n", site.Name, site.Key, site.TriageBotID)
		}
	}
	return nil
}

// retentionUsage documents --retention of site add and site set.
const retentionUsage = "how long recordings are kept after their assist ends: days (30d) or hours (36h); 0 or forever keeps them"

// keptFor says how long a site's recordings are kept, for messages.
func keptFor(d time.Duration) string {
	if d <= 0 {
		return "kept forever"
	}
	return "kept for " + retention.Describe(d) + " after their assist ends"
}

// findSite finds a site by its key (site_...) or id.
func findSite(ctx context.Context, db store.Sites, ref string) (*tandem.Site, error) {
	if strings.HasPrefix(ref, "site_") {
		return db.SiteByKey(ctx, ref)
	}
	return db.SiteByID(ctx, ref)
}

// optionList is the OPTIONS column of a list: the names of the options that
// are on, in name order, comma-separated; "-" when none is.
func optionList(opts map[string]bool) string {
	var on []string
	for name, set := range opts {
		if set {
			on = append(on, name)
		}
	}
	if len(on) == 0 {
		return "-"
	}
	slices.Sort(on)
	return strings.Join(on, ",")
}

// listTable runs a list command: args must be flags only (fs gets --data);
// then rows prints, one line of tab-separated cells per item, what it
// reads from the store, under header, as an aligned table on stdout.
func listTable(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer, header string, rows func(db store.Store, tw io.Writer) error) error {
	data := storageFlags(fs)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	if err := rows(db, tw); err != nil {
		return cliError(fs.Name(), err)
	}
	return tw.Flush()
}

// cliError prefixes err with the command that failed. A *tandem.Error is
// shown by its message alone, as the person typing caused it.
func cliError(op string, err error) error {
	if tandem.ErrorCode(err) == tandem.EInternal {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: %s", op, tandem.ErrorMessage(err))
}

// parseNone parses args, which must be flags only.
func parseNone(fs *flag.FlagSet, args []string) error {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fs.Usage()
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), pos[0])
	}
	return nil
}

// parseOne parses args, which must hold exactly one positional argument.
func parseOne(fs *flag.FlagSet, args []string, what string) (string, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		fs.Usage()
		return "", fmt.Errorf("%s: want one %s, got %d arguments", fs.Name(), what, len(pos))
	}
	return pos[0], nil
}
