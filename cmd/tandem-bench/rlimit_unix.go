//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// needFiles makes sure this process may open n files (sockets): the Go
// runtime raises the soft limit to the hard one at start, and this raises
// it again in case something lowered it; past the hard limit only the
// user can help.
func needFiles(n uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("read the open files limit: %w", err)
	}
	if lim.Cur >= n {
		return nil
	}
	if lim.Max < n {
		return fmt.Errorf("this needs about %d open files but the hard limit is %d: raise it (ulimit -Hn, or LimitNOFILE in systemd)", n, lim.Max)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raise the open files limit to %d: %w", lim.Max, err)
	}
	return nil
}
