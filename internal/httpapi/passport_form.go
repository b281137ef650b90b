package httpapi

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/tandemhq/tandem/internal/passport"
)

// signInPage is the passport's sign-in form: plain HTML with no script,
// posted to the passport's own origin, carrying the authorization request
// in hidden fields.
var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — Tandem passport</title>
<style>body{font:16px system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}input[type=email],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00020}</style>
</head><body>
<h1>Sign in</h1>
<p>to continue to <strong>{{.Site}}</strong></p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/passport/authorize">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">
{{end}}<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="{{.Email}}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</body></html>
`))

type signInData struct {
	Site   string
	Error  string
	Email  string
	Params url.Values
}

// writeSignIn answers with the sign-in form for the authorization request.
// The page's policy allows its form to post to the passport only, and the
// redirect that follows a sign-in to go to the client's redirect URI
// (browsers apply form-action to the redirects of a form post).
func (s *Server) writeSignIn(w http.ResponseWriter, status int, c *passport.Client, ar *passport.AuthRequest, email, msg string) {
	action := "'self'"
	if u, err := url.Parse(ar.RedirectURI); err == nil && u.Scheme != "" && u.Host != "" {
		action += " " + u.Scheme + "://" + u.Host
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action "+action+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	site := c.Site.Name
	if site == "" {
		site = c.Site.Key
	}
	_ = signInPage.Execute(w, signInData{Site: site, Error: msg, Email: email, Params: ar.Values()})
}

// writePassportPage answers with a short HTML message (an error that must
// not go to an unverified redirect URI, or "signed out").
func writePassportPage(w http.ResponseWriter, status int, title, msg string) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = messagePage.Execute(w, map[string]string{"Title": title, "Message": msg})
}

var messagePage = template.Must(template.New("msg").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} — Tandem passport</title></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p></body></html>
`))
