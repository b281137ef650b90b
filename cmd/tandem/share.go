package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tandemhq/tandem/internal/cli"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
)

// runShare shares this machine's terminal: `tandem share --server HOST:PORT
// [flags] [-- COMMAND ...]`.
func runShare(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("share", "tandem share --server HOST:PORT [flags] [-- COMMAND [ARG ...]]", stderr)
	server := fs.String("server", envOr("TANDEM_SSH_SERVER", "127.0.0.1:2222"), "the Tandem server's SSH `address` (env TANDEM_SSH_SERVER)")
	var keyFiles, roKeyFiles, forwards, proxyAllow stringsFlag
	fs.Var(&keyFiles, "authorized-keys", "authorized_keys `file` of helpers who may join (repeatable)")
	fs.Var(&roKeyFiles, "read-only-keys", "authorized_keys `file` of helpers who may only watch (repeatable)")
	readOnly := fs.Bool("read-only", false, "every helper only watches; their input is dropped")
	approve := fs.Bool("approve", false, "ask here before letting each joiner in")
	agents := fs.Bool("agents", true, "let the server's agents join with their registered keys and from the console")
	fs.Var(&forwards, "forward", "let helpers reach `PORT` or HOST:PORT as seen from here with ssh -L (repeatable)")
	proxy := fs.Bool("proxy", false, "let helpers reach addresses through this machine with ssh -D")
	fs.Var(&proxyAllow, "proxy-allow", "with --proxy, only addresses matching this `pattern` (HOST:PORT or HOST, * wildcards; repeatable)")
	recordInput := fs.Bool("record-input", false, "keep what helpers type in the recording and audit log (off: only how many bytes)")
	keyPath := fs.String("key", "", "this machine's private key `file` (default: generated under the user's config dir)")
	name := fs.String("name", "", "this machine's name as helpers see it (default: the host name)")
	command, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	keys, err := readKeyFiles(keyFiles)
	if err != nil {
		return err
	}
	roKeys, err := readKeyFiles(roKeyFiles)
	if err != nil {
		return err
	}
	cfg := share.Config{
		Server:         *server,
		KeyPath:        *keyPath,
		Command:        command,
		HostName:       *name,
		ReadOnly:       *readOnly,
		Approve:        *approve,
		AllowAgents:    *agents,
		AuthorizedKeys: keys,
		ReadOnlyKeys:   roKeys,
		Forwards:       forwards,
		Proxy:          *proxy,
		ProxyAllow:     proxyAllow,
		RecordInput:    *recordInput,
		Stdin:          stdin,
		Stdout:         stdout,
		OnRegistered: func(s *share.Session) {
			fmt.Fprintf(stderr, "Sharing this terminal as session %s\n\nHelpers join with:\n\n    %s\n\n", s.ID, s.JoinCommand)
			if s.WebURL != "" {
				fmt.Fprintf(stderr, "Agents open it at %s\n\n", s.WebURL)
			}
			fmt.Fprintf(stderr, "Exit the shell to stop sharing.\n\n")
		},
	}
	s, err := share.Start(ctx, cfg)
	if err != nil {
		return err
	}
	select {
	case <-s.Done():
	case <-ctx.Done():
		s.Close()
	}
	err = s.Wait()
	fmt.Fprintf(stderr, "\r\ntandem: session %s ended\r\n", s.ID)
	return err
}

// readKeyFiles reads the key lines of authorized_keys files.
func readKeyFiles(paths []string) ([]string, error) {
	var lines []string
	for _, p := range paths {
		l, err := readKeyFile(p)
		if err != nil {
			return nil, err
		}
		lines = append(lines, l...)
	}
	return lines, nil
}

// readKeyFile reads the key lines of an authorized_keys file.
func readKeyFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read authorized keys: %w", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read authorized keys %s: %w", path, err)
	}
	return lines, nil
}

// runTerminal lists terminal sessions, prints their recordings and renders
// them to video.
func runTerminal(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return cli.Program{Name: "tandem terminal", Commands: []cli.Command{
		{Name: "list", Summary: "list terminal sessions, newest first", Run: terminalList},
		{Name: "print", Summary: "print a session's recording (asciicast v2) or audit log", Run: terminalPrint},
		{Name: "video", Summary: "render an ended session's recording to an MP4 video", Run: terminalVideo},
	}}.Run(ctx, args, stdin, stdout, stderr)
}

func terminalList(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("terminal list", "tandem terminal list [--live] [--limit N] [--data DIR | --store URL]", stderr)
	live := fs.Bool("live", false, "only sessions that have not ended")
	limit := fs.Int("limit", 100, "at most this many sessions")
	return listTable(ctx, fs, args, stdout, "ID\tHOST\tCOMMAND\tOPTIONS\tSTARTED\tENDED\tREASON", func(db store.Store, tw io.Writer) error {
		ts, err := db.ListTerminals(ctx, *live, *limit)
		if err != nil {
			return err
		}
		for _, t := range ts {
			ended := "live"
			if !t.EndedAt.IsZero() {
				ended = t.EndedAt.Local().Format(time.DateTime)
			}
			// record-input: what helpers typed is in the recording, which is
			// worth knowing before sharing it.
			opts := optionList(map[string]bool{"read-only": t.ReadOnly, "approve": t.Approve, "record-input": t.RecordInput})
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.HostName, t.Command, opts,
				t.CreatedAt.Local().Format(time.DateTime), ended, t.EndReason)
		}
		return nil
	})
}

func terminalPrint(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("terminal print", "tandem terminal print ID [--output | --audit] [--data DIR | --store URL]", stderr)
	data := storageFlags(fs)
	output := fs.Bool("output", false, "print only the terminal output, to replay it on this terminal")
	audit := fs.Bool("audit", false, "print the audit log: who joined, left and typed what")
	ref, err := parseOne(fs, args, "session ID")
	if err != nil {
		return err
	}
	id, err := sshrelay.ParseSessionID(ref)
	if err != nil {
		return fmt.Errorf("terminal print: %v", err)
	}
	db, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := db.TerminalByID(ctx, id)
	if err != nil {
		return cliError("terminal print", err)
	}
	if *audit {
		entries, err := db.AuditFor(ctx, id)
		if err != nil {
			return cliError("terminal print", err)
		}
		for _, e := range entries {
			fmt.Fprintf(stdout, "%s  %-40s  %-15s  %s\n", e.At.Local().Format(time.DateTime), e.Actor, e.Action, e.Detail)
		}
		return nil
	}
	bs, err := data.openBlobs(ctx)
	if err != nil {
		return err
	}
	rc, err := record.Open(ctx, bs, t.RecordingID)
	if err != nil {
		return err
	}
	defer rc.Close()
	if !*output {
		_, err = io.Copy(stdout, rc)
		return err
	}
	return sshrelay.CastOutput(rc, stdout)
}
