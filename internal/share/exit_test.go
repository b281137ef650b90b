package share

import (
	"os/exec"
	"syscall"
	"testing"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

func TestExitOf(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   wire.Exit
	}{
		{"success", "exit 0", wire.Exit{}},
		{"status", "exit 7", wire.Exit{Status: 7}},
		{"killed", "kill -KILL $$", wire.Exit{Signal: "KILL", Message: syscall.SIGKILL.String()}},
		{"terminated", "kill -TERM $$", wire.Exit{Signal: "TERM", Message: syscall.SIGTERM.String()}},
		{"signal the RFC does not name", "kill -PROF $$", wire.Exit{Signal: otherSignal, Message: syscall.SIGPROF.String()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("/bin/sh", "-c", tt.script)
			cmd.Run() // the error is the exit; ProcessState says how
			if cmd.ProcessState == nil {
				t.Fatalf("%s did not run", tt.script)
			}
			if got := exitOf(cmd.ProcessState); got != tt.want {
				t.Fatalf("exitOf(%s) = %+v, want %+v", tt.script, got, tt.want)
			}
		})
	}
}
