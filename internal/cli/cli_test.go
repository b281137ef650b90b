package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"runtime/debug"
	"strings"
	"testing"
)

func testProgram(got *[]string) Program {
	return Program{Name: "prog", Commands: []Command{
		{"hello", "says hello", func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
			*got = args
			fs := flag.NewFlagSet("hello", flag.ContinueOnError)
			fs.SetOutput(stderr)
			return fs.Parse(args)
		}},
	}}
}

func TestRun(t *testing.T) {
	var got []string
	p := testProgram(&got)
	tests := []struct {
		args           []string
		wantErr        string
		stdout, stderr bool // where the usage shows
		exit           int
	}{
		{[]string{"hello", "a", "b"}, "", false, false, 0},
		{nil, "usage: no command given", false, true, 2},
		{[]string{"-h"}, "", true, false, 0},
		{[]string{"--help"}, "", true, false, 0},
		{[]string{"help"}, "", true, false, 0},
		{[]string{"nope"}, `usage: unknown command "nope"`, false, true, 2},
		{[]string{"help", "nope"}, `usage: unknown command "nope"`, false, true, 2},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := p.Run(context.Background(), tt.args, nil, &stdout, &stderr)
		if (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
			t.Errorf("Run(%v) = %v, want %q", tt.args, err, tt.wantErr)
		}
		if shown := strings.Contains(stdout.String(), "hello  says hello"); shown != tt.stdout {
			t.Errorf("Run(%v) usage on stdout = %v:\n%s", tt.args, shown, stdout.String())
		}
		if shown := strings.Contains(stderr.String(), "hello  says hello"); shown != tt.stderr {
			t.Errorf("Run(%v) usage on stderr = %v:\n%s", tt.args, shown, stderr.String())
		}
		if code := p.exit(err, io.Discard); code != tt.exit {
			t.Errorf("Run(%v) exits %d, want %d", tt.args, code, tt.exit)
		}
	}
	if strings.Join(got, ",") != "a,b" {
		t.Errorf("hello got args %v", got)
	}
}

// "help CMD" and "CMD -h" show the command's flags and exit 0.
func TestCommandHelp(t *testing.T) {
	var got []string
	p := testProgram(&got)
	for _, args := range [][]string{{"help", "hello"}, {"hello", "-h"}} {
		var stderr bytes.Buffer
		err := p.Run(context.Background(), args, nil, io.Discard, &stderr)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "Usage of hello") {
			t.Errorf("Run(%v) = %v, stderr %q", args, err, stderr.String())
		}
		if code := p.exit(err, io.Discard); code != 0 {
			t.Errorf("Run(%v) exits %d, want 0", args, code)
		}
	}
}

func TestExitCodeOfOtherErrors(t *testing.T) {
	var stderr bytes.Buffer
	if code := (Program{Name: "prog"}).exit(errors.New("disk full"), &stderr); code != 1 || stderr.String() != "prog: disk full\n" {
		t.Fatalf("exit = %d, stderr %q", code, stderr.String())
	}
}

func TestVersion(t *testing.T) {
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"installed release", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3 go1.26.1"},
		{"built from a checkout", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "1abf553c"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
		}}, "(devel) (commit 1abf553c, 2026-12-01T10:00:00Z, modified) go1.26.1"},
		{"clean checkout", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.4-0.20261201100000-1abf553c0000"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "1abf553c"}, {Key: "vcs.modified", Value: "false"},
		}}, "v1.2.4-0.20261201100000-1abf553c0000 (commit 1abf553c)"},
		{"no version", &debug.BuildInfo{}, "(devel)"},
	}
	for _, tt := range tests {
		if got := Version(tt.info, true); got != tt.want {
			t.Errorf("%s: Version = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := Version(nil, false); !strings.Contains(got, "unknown") {
		t.Errorf("without build information: %q", got)
	}
}

func TestVersionCommand(t *testing.T) {
	var stdout bytes.Buffer
	p := Program{Name: "prog", Commands: []Command{VersionCommand("prog")}}
	if err := p.Run(context.Background(), []string{"version"}, nil, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	// A test binary has build information, with the Go version at least.
	if !strings.HasPrefix(stdout.String(), "prog ") || !strings.Contains(stdout.String(), "go1.") {
		t.Fatalf("version printed %q", stdout.String())
	}
	if err := p.Run(context.Background(), []string{"version", "extra"}, nil, io.Discard, io.Discard); !errors.Is(err, ErrUsage) {
		t.Fatalf("version with an argument: %v", err)
	}
}
