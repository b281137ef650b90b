package share

import (
	"os"
	"syscall"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// signalNames are the signals RFC 4254 6.10 names in "exit-signal".
var signalNames = map[syscall.Signal]string{
	syscall.SIGABRT: "ABRT",
	syscall.SIGALRM: "ALRM",
	syscall.SIGFPE:  "FPE",
	syscall.SIGHUP:  "HUP",
	syscall.SIGILL:  "ILL",
	syscall.SIGINT:  "INT",
	syscall.SIGKILL: "KILL",
	syscall.SIGPIPE: "PIPE",
	syscall.SIGQUIT: "QUIT",
	syscall.SIGSEGV: "SEGV",
	syscall.SIGTERM: "TERM",
	syscall.SIGUSR1: "USR1",
	syscall.SIGUSR2: "USR2",
}

// otherSignal names a signal the RFC does not, as OpenSSH's sshd does; the
// message still says which.
const otherSignal = "SIG@openssh.com"

// exitOf is how a command that has been waited for ended: killed by a
// signal, else its exit status.
func exitOf(ps *os.ProcessState) wire.Exit {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		name, ok := signalNames[ws.Signal()]
		if !ok {
			name = otherSignal
		}
		return wire.Exit{Signal: name, CoreDumped: ws.CoreDump(), Message: ws.Signal().String()}
	}
	code := ps.ExitCode()
	if code < 0 {
		code = 255 // neither exited nor killed: not known
	}
	return wire.Exit{Status: uint32(code)}
}
