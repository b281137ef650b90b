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

// PagePolicy is the Content-Security-Policy of every page built from here
// that shows a person's page: the console, the web terminal and the video
// renderer's page. Scripts come only from the server's own files: no
// inline script, no eval, no plugins, no <base>, no form posts, and no page
// may frame them. The mirror of a person's page is an about:blank frame
// that inherits this policy, so even markup that got past the mirror's
// sanitizer cannot run there. What the mirror needs is allowed and nothing
// more: the page's images, media, fonts and stylesheets from any web
// origin (and data:/blob: pictures), and inline styles (rrweb rebuilds a
// page's CSS as <style> elements and style attributes).
const PagePolicy = "default-src 'self'; " +
	"script-src 'self'; " +
	"object-src 'none'; " +
	"base-uri 'none'; " +
	"form-action 'none'; " +
	"frame-ancestors 'none'; " +
	"frame-src 'self'; " +
	"worker-src 'none'; " +
	"connect-src 'self'; " +
	"img-src * data: blob:; " +
	"media-src * data: blob:; " +
	"font-src * data:; " +
	"style-src 'self' 'unsafe-inline' *"
