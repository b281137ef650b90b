package cli

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// Version describes the build: the module's version, and the commit it was
// built from when Go recorded one ("(devel)" is a build from a checkout).
// It needs no -ldflags: `go build` and `go install` record both.
func Version(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "unknown (no build information)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, at string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var extra []string
	if rev != "" {
		extra = append(extra, "commit "+rev)
	}
	if at != "" {
		extra = append(extra, at)
	}
	if modified {
		extra = append(extra, "modified")
	}
	if len(extra) > 0 {
		v += " (" + strings.Join(extra, ", ") + ")"
	}
	if info.GoVersion != "" {
		v += " " + info.GoVersion
	}
	return v
}

// VersionCommand is a "version" subcommand that prints name and Version.
func VersionCommand(name string) Command {
	return Command{Name: "version", Summary: "print the version and the commit it was built from",
		Run: func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: version takes no arguments", ErrUsage)
			}
			info, ok := debug.ReadBuildInfo()
			fmt.Fprintf(stdout, "%s %s\n", name, Version(info, ok))
			return nil
		}}
}
