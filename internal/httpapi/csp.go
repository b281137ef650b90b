package httpapi

import "net/http"

// contentSecurityPolicy is sent with every page of the console and the web
// terminal. Scripts come only from the server's own files: no inline
// script, no eval, no plugins, no <base>, no form posts, and no page may
// frame the console. The mirror of a person's page is an about:blank frame
// that inherits this policy, so even markup that got past the mirror's
// sanitizer cannot run there. What the mirror needs is allowed and nothing
// more: the page's images, media, fonts and stylesheets from any web origin
// (and data:/blob: pictures), and inline styles (rrweb rebuilds a page's CSS
// as <style> elements and style attributes).
const contentSecurityPolicy = "default-src 'self'; " +
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

// setPageSecurity sets the policy of an HTML page of the server (ServeHTTP
// sets the headers every response carries: nosniff, Referrer-Policy and
// X-Frame-Options).
func setPageSecurity(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
}
