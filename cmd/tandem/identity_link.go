package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// identityLink links a passport identity to an agent's console account (or
// unlinks it). The link, not a shared email, is what lets an identity sign
// in to the console: an identity's email is whatever its creator or a
// vouching site said.
func identityLink(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("identity link", `tandem identity link --email IDENTITY_EMAIL (--agent AGENT_EMAIL | --unlink)`, stderr)
	data := storageFlags(fs)
	email := fs.String("email", "", "the passport account's email (required)")
	agent := fs.String("agent", "", "the email of the agent (tandem user) to link it to")
	unlink := fs.Bool("unlink", false, "remove the account's link: it signs in to the console no more")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *email == "" || (*agent == "") == !*unlink {
		fs.Usage()
		return errors.New("identity link: --email and one of --agent or --unlink are required")
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ps, err := passportOf(db, "identity link")
	if err != nil {
		return err
	}
	id, err := ps.IdentityByEmail(ctx, *email)
	if err != nil {
		return cliError("identity link", err)
	}
	if *unlink {
		id.UserID = ""
		if err := ps.UpdateIdentity(ctx, id); err != nil {
			return cliError("identity link", err)
		}
		fmt.Fprintf(stdout, "identity %s is linked to no agent\n", id.Email)
		return nil
	}
	u, err := db.UserByEmail(ctx, *agent)
	if err != nil {
		return cliError("identity link", err)
	}
	id.UserID = u.ID
	if err := ps.UpdateIdentity(ctx, id); err != nil {
		return cliError("identity link", err)
	}
	fmt.Fprintf(stdout, "identity %s is linked to agent %s: it signs in to the console through the passport\n", id.Email, u.Email)
	return nil
}
