package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/pgtest"
)

// TestMain lets a test run this binary as the tandem command, to see its
// real exit codes. The tests' PostgreSQL server, if one started, stops
// with them.
func TestMain(m *testing.M) {
	if os.Getenv("TANDEM_TEST_AS_MAIN") == "1" {
		main() // exits
	}
	pgtest.Main(m)
}

// tandemProcess runs tandem with args in a process of its own.
func tandemProcess(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "TANDEM_TEST_AS_MAIN=1", "TANDEM_DATA="+t.TempDir())
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

func TestExitCodesAndHelp(t *testing.T) {
	tests := []struct {
		args         []string
		code         int
		stdout       string // in stdout
		stderr       string // in stderr
		stdoutIsHelp bool
	}{
		{[]string{"--help"}, 0, "usage: tandem <command>", "", true},
		{[]string{"-h"}, 0, "usage: tandem <command>", "", true},
		{[]string{"help"}, 0, "usage: tandem <command>", "", true},
		{[]string{"help", "serve"}, 0, "", "-metrics-addr", false},
		{[]string{"serve", "--help"}, 0, "", "-turn-addr", false},
		{[]string{"user", "--help"}, 0, "add-key", "", false},
		{[]string{"version"}, 0, "tandem ", "", false},
		{nil, 2, "", "no command given", false},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`, false},
		{[]string{"user"}, 2, "", "usage: tandem user", false},
		{[]string{"serve", "--no-such-flag"}, 1, "", "flag provided but not defined", false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := tandemProcess(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if !strings.Contains(out, tt.stdout) || !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stdout %q (want %q in it), stderr %q (want %q in it)", out, tt.stdout, errOut, tt.stderr)
			}
			if tt.stdoutIsHelp && !strings.Contains(out, "version") {
				t.Errorf("help does not list the version command: %q", out)
			}
		})
	}
}
