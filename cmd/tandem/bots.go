package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/bot"
	"github.com/tandemhq/tandem/internal/cli"
	"github.com/tandemhq/tandem/internal/store"
)

// runBot manages bots for scripts and tests; the console does the same.
func runBot(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return cli.Program{Name: "tandem bot", Commands: []cli.Command{
		{Name: "add", Summary: "add a bot and print its id, token (once) and signing secret", Run: botAdd},
		{Name: "list", Summary: "list bots", Run: botList},
		{Name: "remove", Summary: "remove a bot by name or id: it leaves every conversation", Run: botRemove},
		{Name: "revoke", Summary: "revoke a bot's token: every request with it fails from now on", Run: botRevoke},
	}}.Run(ctx, args, stdin, stdout, stderr)
}

// runConversation makes conversations for scripts and tests.
func runConversation(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return cli.Program{Name: "tandem conversation", Commands: []cli.Command{
		{Name: "add", Summary: "add a group conversation with users and bots; print its id and each bot's webhook URL", Run: conversationAdd},
	}}.Run(ctx, args, stdin, stdout, stderr)
}

// botService is the bot service over an admin command's store: no
// conversations to post in, only bots to manage.
func botService(db bot.Store, secret []byte, publicURL string) *bot.Service {
	return bot.New(bot.Config{Secret: secret, PublicURL: publicURL}, db, nil, nil)
}

func botAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("bot add", "tandem bot add --owner EMAIL --name NAME --url URL --scopes messages:read,messages:write [--interface-url URL] [--description D] [--recommended]", stderr)
	data := storageFlags(fs)
	owner := fs.String("owner", "", "the `email` of the user who owns the bot (required)")
	name := fs.String("name", "", "the bot's name: 1 to 32 of a-z, 0-9, _ and - (required)")
	url := fs.String("url", "", "the `URL` Tandem sends the messages that mention the bot to (required)")
	ifURL := fs.String("interface-url", "", "the `URL` for button actions and commands (default --url)")
	desc := fs.String("description", "", "what the bot does")
	avatar := fs.String("avatar-url", "", "the bot's picture")
	scopeList := fs.String("scopes", "", "comma-separated scopes: "+tandem.JoinScopes(tandem.AllScopes())+" (required)")
	recommended := fs.Bool("recommended", false, "list the bot to every user")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *owner == "" || *name == "" || *url == "" || *scopeList == "" {
		fs.Usage()
		return errors.New("bot add: --owner, --name, --url and --scopes are required")
	}
	scopes, err := tandem.ParseScopes(*scopeList)
	if err != nil {
		return cliError("bot add", err)
	}
	in := bot.Input{Name: name, Description: desc, AvatarURL: avatar, URL: url, InterfaceURL: ifURL, Scopes: &scopes, Recommended: recommended}
	// Check before touching the data directory: bad input changes nothing.
	check := &tandem.Bot{Name: *name, Description: *desc, AvatarURL: *avatar, URL: *url, InterfaceURL: *ifURL, Scopes: scopes}
	if err := bot.CheckBot(check); err != nil {
		return cliError("bot add", err)
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, *owner)
	if err != nil {
		return cliError("bot add", fmt.Errorf("owner %s: %w", *owner, err))
	}
	// The admin command acts as an admin: it may recommend.
	admin := *u
	admin.Role = tandem.RoleAdmin
	c, err := botService(db, nil, "").Create(ctx, &admin, in)
	if err != nil {
		return cliError("bot add", err)
	}
	fmt.Fprintf(stdout, "added bot %s, id %s\n", c.Bot.Name, c.Bot.ID)
	fmt.Fprintf(stdout, "token: %s\n", c.Token)
	fmt.Fprintf(stdout, "signing secret: %s\n", c.SigningSecret)
	fmt.Fprintln(stdout, "The token is shown only now; give it to the bot's server safely.")
	return nil
}

func botList(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("bot list", "tandem bot list [--data DIR | --store URL]", stderr)
	return listTable(ctx, fs, args, stdout, "ID\tNAME\tOWNER\tURL\tSCOPES\tTOKEN\tCREATED", func(db store.Store, tw io.Writer) error {
		bots, err := db.ListBots(ctx, store.BotFilter{})
		if err != nil {
			return err
		}
		owners := map[string]string{}
		for _, b := range bots {
			if _, ok := owners[b.OwnerID]; !ok {
				owners[b.OwnerID] = "-"
				if u, err := db.UserByID(ctx, b.OwnerID); err == nil {
					owners[b.OwnerID] = u.Email
				}
			}
			token := "revoked"
			if b.TokenHash != "" {
				token = b.TokenID
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.ID, b.Name, owners[b.OwnerID], b.URL, tandem.JoinScopes(b.Scopes), token,
				b.CreatedAt.UTC().Format("2006-01-02 15:04"))
		}
		return nil
	})
}

// findBot finds a bot by id or name.
func findBot(ctx context.Context, db bot.Store, ref string) (*tandem.Bot, error) {
	b, err := db.BotByID(ctx, ref)
	if tandem.ErrorCode(err) != tandem.ENotFound {
		return b, err
	}
	b, err = db.BotByName(ctx, ref)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, tandem.Errorf(tandem.ENotFound, "no bot has the id or name %q", ref)
	}
	return b, err
}

// botCommand opens the store and finds the bot named by the one argument.
func botCommand(ctx context.Context, fs *flag.FlagSet, args []string) (store.Store, bot.Store, *tandem.Bot, error) {
	data := storageFlags(fs)
	ref, err := parseOne(fs, args, "NAME or ID")
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	b, err := findBot(ctx, db, ref)
	if err == nil {
		return db, db, b, nil
	}
	db.Close()
	return nil, nil, nil, cliError(fs.Name(), err)
}

func botRemove(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("bot remove", "tandem bot remove NAME|ID [--data DIR | --store URL]", stderr)
	db, bs, b, err := botCommand(ctx, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := bs.DeleteBot(ctx, b.ID); err != nil {
		return cliError("bot remove", err)
	}
	fmt.Fprintf(stdout, "removed bot %s, id %s, from every conversation\n", b.Name, b.ID)
	return nil
}

func botRevoke(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("bot revoke", "tandem bot revoke NAME|ID [--data DIR | --store URL]", stderr)
	db, bs, b, err := botCommand(ctx, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	admin := &tandem.User{ID: b.OwnerID, Role: tandem.RoleAdmin}
	if _, err := botService(bs, nil, "").RevokeToken(ctx, admin, b.ID); err != nil {
		return cliError("bot revoke", err)
	}
	fmt.Fprintf(stdout, "revoked the token of bot %s, id %s: it can do nothing until it gets a new one (in the console)\n", b.Name, b.ID)
	return nil
}

func conversationAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("conversation add", "tandem conversation add --name NAME --member EMAIL [--member EMAIL ...] [--bot BOT_ID ...] [--public-url URL]", stderr)
	data := storageFlags(fs)
	name := fs.String("name", "", "the conversation's name (required)")
	var members, bots stringsFlag
	fs.Var(&members, "member", "a user's `email`; repeat for more (at least one; the first is its creator)")
	fs.Var(&bots, "bot", "a bot's id or name, granted all its scopes; repeat for more")
	publicURL := fs.String("public-url", envOr("TANDEM_PUBLIC_URL", "http://127.0.0.1:8080"), "the `URL` tools reach Tandem at, for the webhook URLs (env TANDEM_PUBLIC_URL)")
	secretsFile := fs.String("secrets-file", envOr("TANDEM_SECRETS_FILE", ""), "the servers' secrets `file`, if they use one (env TANDEM_SECRETS_FILE); default: the store's")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" || len(members) == 0 {
		fs.Usage()
		return errors.New("conversation add: --name and at least one --member are required")
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	cs := db
	var secrets *app.Secrets
	if *secretsFile != "" {
		secrets, err = app.ReadSecretsFile(*secretsFile)
	} else {
		secrets, err = app.StoredSecrets(ctx, db, *data.data)
	}
	if err != nil {
		return fmt.Errorf("conversation add: %w", err)
	}
	now := time.Now()
	var ms []*tandem.Member
	var creator tandem.Account
	for i, email := range members {
		u, err := db.UserByEmail(ctx, email)
		if err != nil {
			return cliError("conversation add", fmt.Errorf("member %s: %w", email, err))
		}
		m := &tandem.Member{Account: tandem.Account{Kind: tandem.AccountUser, ID: u.ID}, JoinedAt: now}
		if i == 0 {
			creator = m.Account
		} else {
			m.AddedBy = creator
		}
		ms = append(ms, m)
	}
	var withBots []*tandem.Bot
	for _, ref := range bots {
		b, err := findBot(ctx, cs, ref)
		if err != nil {
			return cliError("conversation add", err)
		}
		// The admin authorises what the bot asks for, as the console's
		// "Authorize and add" does.
		ms = append(ms, &tandem.Member{Account: tandem.Account{Kind: tandem.AccountBot, ID: b.ID}, AddedBy: creator, Granted: b.Scopes, JoinedAt: now})
		withBots = append(withBots, b)
	}
	c := &tandem.Conversation{Kind: tandem.ConversationGroup, Name: *name, CreatedBy: creator, CreatedAt: now, UpdatedAt: now}
	if err := cs.CreateConversation(ctx, c, ms); err != nil {
		return cliError("conversation add", err)
	}
	fmt.Fprintf(stdout, "added conversation %s, id %s\n", c.Name, c.ID)
	svc := botService(cs, secrets.SigningKey, *publicURL)
	for _, b := range withBots {
		h, err := svc.EnsureHook(ctx, b.ID, c.ID)
		if err != nil {
			return cliError("conversation add", err)
		}
		fmt.Fprintf(stdout, "bot %s webhook: %s\n", b.Name, svc.HookURL(h))
	}
	return nil
}

// triageBot returns the id of the bot ref names (id or name), or "" for
// "none".
func triageBot(ctx context.Context, db store.Store, ref string) (string, error) {
	if ref == "none" || ref == "" {
		return "", nil
	}
	b, err := findBot(ctx, db, ref)
	if err != nil {
		return "", err
	}
	return b.ID, nil
}
