// Package cli runs the subcommands of Tandem's programs (tandem,
// tandem-bench): dispatch by name, usage, Ctrl-C, and exit codes.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Command is one subcommand: its name, a line of help, and what it runs.
type Command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// Program is a program made of subcommands.
type Program struct {
	Name     string
	Commands []Command
}

// ErrUsage is wrapped by errors in how a program was called: no command,
// an unknown one. Main exits 2 for them.
var ErrUsage = errors.New("usage")

// Main runs the program with the process's arguments and exits: 0 on
// success and when help was asked for (help, -h, --help), 2 for usage
// errors, 1 for other errors. The context ends on Ctrl-C or SIGTERM.
func (p Program) Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := p.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(p.exit(err, os.Stderr))
}

// exit reports err on stderr and returns the exit code for it.
func (p Program) exit(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		// A subcommand's -h: the flag package printed its usage.
		return 0
	case errors.Is(err, ErrUsage):
		fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
		return 1
	}
}

// Run runs the subcommand named by args[0]. "help", "-h" and "--help"
// print the usage on stdout; "help COMMAND" shows that command's help.
func (p Program) Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		p.usage(stderr)
		return fmt.Errorf("%w: no command given", ErrUsage)
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		if name != "help" || len(args) == 1 {
			p.usage(stdout)
			return nil
		}
		name, args = args[1], []string{args[1], "-h"}
	}
	for _, c := range p.Commands {
		if c.Name == name {
			return c.Run(ctx, args[1:], stdin, stdout, stderr)
		}
	}
	p.usage(stderr)
	return fmt.Errorf("%w: unknown command %q", ErrUsage, name)
}

func (p Program) usage(w io.Writer) {
	width := 0
	for _, c := range p.Commands {
		width = max(width, len(c.Name))
	}
	fmt.Fprintf(w, "usage: %s <command> [flags]\n\n", p.Name)
	for _, c := range p.Commands {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.Name, c.Summary)
	}
	fmt.Fprintf(w, "\nRun '%s help <command>' or '%s <command> -h' for a command's flags.\n", p.Name, p.Name)
}
