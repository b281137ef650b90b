package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/tandemhq/tandem/internal/httpapi"
	"github.com/tandemhq/tandem/web"
)

// staticServer serves the committed bundles the way tandem serve does.
func staticServer(t *testing.T) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(httpapi.New(httpapi.Deps{Web: web.Dist()}))
	t.Cleanup(ts.Close)
	return ts
}

func distFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(web.Dist(), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// get fetches path with Accept-Encoding set as given ("" sends none: Go's
// transport would otherwise ask for gzip and decode it itself).
func get(t *testing.T, ts *httptest.Server, path, acceptEncoding string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", acceptEncoding)
	if acceptEncoding == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

func decode(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch coding {
	case "gzip":
		z, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gunzip: %v", err)
		}
		r = z
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "":
		return b
	default:
		t.Fatalf("unexpected Content-Encoding %q", coding)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s: %v", coding, err)
	}
	return out
}

func contentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// The recorder is served compressed, under a URL with its content hash that
// browsers may keep for ever; the loader names exactly that URL, and any
// other recorder URL (the old unversioned one, a wrong hash) is a 404.
func TestRecorderHashedCompressedImmutable(t *testing.T) {
	ts := staticServer(t)
	recorder := distFile(t, "recorder.js")
	path := "/sdk/recorder." + contentHash(recorder) + ".js"

	_, sdk := get(t, ts, "/sdk.js", "")
	if !bytes.Contains(sdk, []byte(`"`+path+`"`)) {
		t.Fatalf("sdk.js does not load the current recorder %s", path)
	}

	etags := map[string]string{} // ETag → Content-Encoding
	for _, tc := range []struct{ accept, coding string }{
		{"", ""},
		{"gzip", "gzip"},
		{"gzip, deflate, br, zstd", "br"},
		{"br;q=0, gzip;q=0.5", "gzip"},
		{"*", "br"},
		{"br;q=0, gzip;q=0", ""},
		{"*;q=0", ""},
	} {
		res, body := get(t, ts, path, tc.accept)
		if res.StatusCode != 200 {
			t.Fatalf("Accept-Encoding %q: status %d", tc.accept, res.StatusCode)
		}
		if got := res.Header.Get("Content-Encoding"); got != tc.coding {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.coding)
		}
		if !bytes.Equal(decode(t, tc.coding, body), recorder) {
			t.Errorf("Accept-Encoding %q: the body does not decode to recorder.js", tc.accept)
		}
		if tc.coding != "" && len(body) > len(recorder)/2 {
			t.Errorf("Accept-Encoding %q: %d bytes sent for %d", tc.accept, len(body), len(recorder))
		}
		if got := res.Header.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary %q", tc.accept, got)
		}
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("Accept-Encoding %q: Cache-Control %q", tc.accept, got)
		}
		if res.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("the recorder is not served to site origins")
		}
		etag := res.Header.Get("ETag")
		if c, seen := etags[etag]; seen && c != tc.coding {
			t.Errorf("ETag %s is used for both %q and %q", etag, c, tc.coding)
		}
		etags[etag] = tc.coding
		// A conditional request for this encoding's ETag is a 304.
		if res, _ := get(t, ts, path, tc.accept, "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
			t.Errorf("Accept-Encoding %q: If-None-Match %s: status %d", tc.accept, etag, res.StatusCode)
		}
	}
	if len(etags) != 3 {
		t.Errorf("want one ETag per encoding (identity, gzip, br), got %v", etags)
	}

	wrong := "/sdk/recorder." + contentHash([]byte("another build")) + ".js"
	for _, p := range []string{wrong, "/sdk/recorder.js", "/sdk/recorder.js.gz"} {
		if res, _ := get(t, ts, p, "gzip"); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, res.StatusCode)
		}
	}
}

// The chat panel, the passport's sign-in, following tabs, Tandem.screen's
// tree and the waiting notices are served like the recorder: under their content
// hash, to any origin, immutable; another hash, or the bare name, is a 404.
func TestLazyBundlesHashedImmutable(t *testing.T) {
	ts := staticServer(t)
	for _, name := range []string{"chat", "passport", "tabs", "screen", "waiting"} {
		bundle := distFile(t, name+".js")
		path := "/sdk/" + name + "." + contentHash(bundle) + ".js"
		if _, sdk := get(t, ts, "/sdk.js", ""); !bytes.Contains(sdk, []byte(`"`+path+`"`)) {
			t.Fatalf("sdk.js does not load the current %s bundle %s", name, path)
		}
		res, body := get(t, ts, path, "br")
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "br" || !bytes.Equal(decode(t, "br", body), bundle) {
			t.Fatalf("GET %s: status %d, Content-Encoding %q", path, res.StatusCode, res.Header.Get("Content-Encoding"))
		}
		if res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || res.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("GET %s: Cache-Control %q, Access-Control-Allow-Origin %q", path, res.Header.Get("Cache-Control"), res.Header.Get("Access-Control-Allow-Origin"))
		}
		for _, p := range []string{"/sdk/" + name + "." + contentHash([]byte("another build")) + ".js", "/sdk/" + name + ".js"} {
			if res, _ := get(t, ts, p, ""); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", p, res.StatusCode)
			}
		}
	}
}

// sdk.js keeps its URL (sites embed it) with a short cache, compressed too.
func TestLoaderStableURLShortCache(t *testing.T) {
	ts := staticServer(t)
	res, body := get(t, ts, "/sdk.js", "gzip")
	if res.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(decode(t, "gzip", body), distFile(t, "sdk.js")) {
		t.Fatalf("sdk.js: Content-Encoding %q, body not the gzipped loader", res.Header.Get("Content-Encoding"))
	}
	if got := res.Header.Get("Cache-Control"); got != "public, max-age=300" {
		t.Errorf("sdk.js Cache-Control %q", got)
	}
	if res.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("sdk.js Vary %q", res.Header.Get("Vary"))
	}
}

// The console and terminal pages load their bundles by hashed, immutable
// URLs; the pages themselves are always revalidated.
func TestShellPagesReferenceHashedAssets(t *testing.T) {
	ts := staticServer(t)
	ref := regexp.MustCompile(`"/assets/([a-z]+)\.([0-9a-f]{16})\.(js|css)"`)
	for _, page := range []string{"/console/", "/terminal/t1"} {
		res, html := get(t, ts, page, "gzip")
		if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("%s: status %d, Cache-Control %q", page, res.StatusCode, res.Header.Get("Cache-Control"))
		}
		refs := ref.FindAllSubmatch(html, -1)
		if len(refs) != 2 {
			t.Fatalf("%s: want a hashed script and stylesheet, got %q", page, html)
		}
		for _, m := range refs {
			name := string(m[1]) + "." + string(m[3])
			want := distFile(t, name)
			if contentHash(want) != string(m[2]) {
				t.Errorf("%s references %s with hash %s, not its content's", page, name, m[2])
			}
			res, body := get(t, ts, "/assets/"+string(m[1])+"."+string(m[2])+"."+string(m[3]), "gzip")
			if res.StatusCode != 200 || !bytes.Equal(decode(t, res.Header.Get("Content-Encoding"), body), want) {
				t.Errorf("%s: status %d or body not %s", m[0], res.StatusCode, name)
			}
			if res.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("%s not sent gzipped", m[0])
			}
			if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("%s Cache-Control %q", m[0], got)
			}
		}
	}
	if res, _ := get(t, ts, "/assets/console.0123456789abcdef.js", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("a wrong hash: status %d, want 404", res.StatusCode)
	}
}
