// Package web embeds Tandem's browser code: the built bundles in dist/ (SDK
// loader, recorder, console, web terminal) and the demo site's pages in demo/.
// The TypeScript sources beside them are built with `npm run build`; the
// output is committed so that building the Go binary needs no Node.
package web

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

//go:embed demo
var demo embed.FS

// Dist returns the built bundles: sdk.js, recorder.js, console.js,
// console.css, console.html, terminal.js, terminal.css, terminal.html.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the directory is embedded at build time; it always exists
	}
	return sub
}

// Demo returns the demo site's pages. They contain the placeholders
// {{TANDEM_URL}} and {{SITE_KEY}} that the demo server fills in.
func Demo() fs.FS {
	sub, err := fs.Sub(demo, "demo")
	if err != nil {
		panic(err)
	}
	return sub
}
