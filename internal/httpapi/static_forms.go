package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// immutableFor is how long browsers keep an asset served under its hashed
// URL: a year, the most that caches honour. The URL changes with the
// content, so nothing stale can be kept.
const immutableFor = 365 * 24 * time.Hour

// assetHash is the hash in hashed asset URLs: the first 16 hex digits of
// the SHA-256 of the file. web/build.mjs (contentHash) computes the same to
// name the recorder in sdk.js.
func assetHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// encodedBody is an asset precompressed by the build.
type encodedBody struct {
	coding string // the Content-Encoding: "br" or "gzip"
	body   []byte
	etag   string // differs per encoding: caches must not swap the bytes
}

// codings are the encodings the build writes, most preferred first, with
// the suffix of their file.
var codings = [...]struct{ coding, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

func isEncodedName(name string) bool {
	for _, c := range codings {
		if strings.HasSuffix(name, c.suffix) {
			return true
		}
	}
	return false
}

// loadEncoded reads the precompressed forms of name that the build wrote.
func loadEncoded(fsys fs.FS, name, hash string) []encodedBody {
	var out []encodedBody
	for _, c := range codings {
		if b, err := fs.ReadFile(fsys, name+c.suffix); err == nil {
			out = append(out, encodedBody{coding: c.coding, body: b, etag: `"` + hash + "-" + c.coding + `"`})
		}
	}
	return out
}

// negotiate picks the form of the asset the request accepts (the first
// acceptable precompressed one, else the plain bytes), sets Vary and
// Content-Encoding, and returns the body and its ETag.
func (a *asset) negotiate(w http.ResponseWriter, r *http.Request) ([]byte, string) {
	if len(a.encoded) == 0 {
		return a.body, a.etag
	}
	w.Header().Add("Vary", "Accept-Encoding")
	accept := r.Header.Get("Accept-Encoding")
	for _, e := range a.encoded {
		if accepts(accept, e.coding) {
			w.Header().Set("Content-Encoding", e.coding)
			return e.body, e.etag
		}
	}
	return a.body, a.etag
}

// accepts reports whether an Accept-Encoding header value allows coding:
// named with a q-value above 0, or else covered by "*" with one above 0
// (RFC 9110, section 12.5.3).
func accepts(header, coding string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != coding && name != "*" {
			continue
		}
		ok := qualityAboveZero(params)
		if name == coding {
			return ok
		}
		star = ok
	}
	return star
}

// qualityAboveZero reads the q parameter of an Accept-Encoding element
// (absent means 1).
func qualityAboveZero(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err == nil && q > 0
	}
	return true
}

// hashedName is name with its content hash before the extension:
// console.js becomes console.HASH.js.
func hashedName(name string, a *asset) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + a.hash + ext
}

// hashedNames maps the hashed name of every asset but the HTML shells to it.
func hashedNames(assets map[string]*asset) map[string]*asset {
	out := make(map[string]*asset, len(assets))
	for name, a := range assets {
		if !strings.HasSuffix(name, ".html") {
			out[hashedName(name, a)] = a
		}
	}
	return out
}

// hashedRefs returns the HTML shell page with each "/assets/NAME" it
// references pointed at NAME's hashed URL, so that a page always loads the
// bundles of its own build and browsers may keep them for ever.
func hashedRefs(page *asset, assets map[string]*asset) *asset {
	b := page.body
	for name, a := range assets {
		if strings.HasSuffix(name, ".html") {
			continue
		}
		b = bytes.ReplaceAll(b, []byte(`"/assets/`+name+`"`), []byte(`"/assets/`+hashedName(name, a)+`"`))
	}
	h := assetHash(b)
	return &asset{body: b, hash: h, etag: `"` + h + `"`, contentType: page.contentType}
}
