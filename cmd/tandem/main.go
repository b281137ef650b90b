// Command tandem is Tandem's single binary: the server, the host side of
// terminal assistance, and the admin commands. This file only dispatches;
// each subcommand lives in its own file and the capabilities live under
// internal/.
package main

import (
	"context"
	"io"

	"github.com/tandemhq/tandem/internal/cli"
)

func program() cli.Program {
	return cli.Program{Name: "tandem", Commands: []cli.Command{
		{Name: "serve", Summary: "run the Tandem server (console, SDK, API, SSH relay)", Run: runServe},
		{Name: "share", Summary: "share this machine's terminal with helpers over SSH", Run: runShare},
		{Name: "user", Summary: "manage agents: add, list, remove, add-key", Run: runUser},
		{Name: "site", Summary: "manage sites that embed the SDK: add, list, remove", Run: runSite},
		{Name: "identity", Summary: "manage people's passport accounts: add", Run: runIdentity},
		{Name: "bot", Summary: "manage bots: add, list, remove, revoke", Run: runBot},
		{Name: "conversation", Summary: "add a conversation with users and bots", Run: runConversation},
		{Name: "assist", Summary: "web assists: render a recording to video", Run: runAssist},
		{Name: "terminal", Summary: "terminal sessions: list, print a recording, render it to video", Run: runTerminal},
		{Name: "migrate", Summary: "apply the store's migrations and exit (serve does it too)", Run: runMigrate},
		{Name: "migrate-data", Summary: "copy an installation to another store and blob storage", Run: runMigrateData},
		{Name: "secrets", Summary: "make the secrets file servers share: generate, export", Run: runSecrets},
		cli.VersionCommand("tandem"),
	}}
}

func main() { program().Main() }

// run runs a subcommand as main would; tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return program().Run(ctx, args, stdin, stdout, stderr)
}
