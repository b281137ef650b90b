// Command triagebot is an example Tandem bot: it answers the people who
// write to support first, offers to share their screen with support, and
// hands the conversation over to an agent when they ask for a person.
//
//	go run ./examples/triagebot --tandem http://127.0.0.1:8080 \
//	    --token tdb_… --secret whsec_… --listen 127.0.0.1:9000
//
// Register it with its URL (http://127.0.0.1:9000/) and the scopes
// messages:write, assist:read, assist:invite and assist:handover (see
// docs/bots.md), then name it a site's triage bot:
//
//	tandem bot add --owner you@example.com --name triage --url http://127.0.0.1:9000/ \
//	    --scopes messages:write,assist:read,assist:invite,assist:handover
//	tandem site set SITE_KEY --triage-bot triage
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/tandemhq/tandem/botapi"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "triagebot:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("triagebot", flag.ContinueOnError)
	base := fs.String("tandem", "http://127.0.0.1:8080", "Tandem's `URL`")
	token := fs.String("token", os.Getenv("TRIAGEBOT_TOKEN"), "the bot's token, tdb_… (env TRIAGEBOT_TOKEN)")
	secret := fs.String("secret", os.Getenv("TRIAGEBOT_SECRET"), "the bot's signing secret, whsec_… (env TRIAGEBOT_SECRET)")
	listen := fs.String("listen", "127.0.0.1:9000", "the `address` Tandem sends events to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *token == "" || *secret == "" {
		return errors.New("--token and --secret are required")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	b := &Bot{API: &botapi.Client{BaseURL: *base, Token: *token}, Log: slog.Default()}
	me, err := b.API.Me(ctx)
	if err != nil {
		return fmt.Errorf("ask Tandem who this bot is: %w", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: botapi.Handler(*secret, b.Answer), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	b.Log.Info("triagebot listening", "bot", me.Bot.Name, "scopes", me.Bot.Scopes, "addr", ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
