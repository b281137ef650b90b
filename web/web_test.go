package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
)

// TestDistMatchesFreshBuild rebuilds the bundles and compares them byte for
// byte with the committed dist/, so that what `go build` embeds is what the
// sources say.
func TestDistMatchesFreshBuild(t *testing.T) {
	if _, err := os.Stat("node_modules/.bin/esbuild"); err != nil {
		t.Fatal("web/node_modules is missing: run `npm ci` in web/ (scripts/test.sh does)")
	}
	out := t.TempDir()
	cmd := exec.Command("node", "build.mjs", "--outdir", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	fresh := listFiles(t, os.DirFS(out))
	committed := listFiles(t, Dist())
	delete(committed, "README.txt")
	for name, want := range fresh {
		got, ok := committed[name]
		switch {
		case !ok:
			t.Errorf("dist/%s is missing: run `npm run build` in web/ and commit dist/", name)
		case isCompressed(name):
			// Compressors may change between Node versions: what must
			// match is what the file decompresses to.
			base, plain, err := decodeCompressed(name, got)
			if err != nil {
				t.Errorf("dist/%s: %v", name, err)
			} else if !bytes.Equal(plain, fresh[base]) {
				t.Errorf("dist/%s does not decompress to a fresh build of %s: run `npm run build` in web/ and commit dist/", name, base)
			}
			if _, plain, err := decodeCompressed(name, want); err != nil || !bytes.Equal(plain, fresh[base]) {
				t.Errorf("the build's %s does not decompress to its %s (%v)", name, base, err)
			}
		case !bytes.Equal(got, want):
			t.Errorf("dist/%s differs from a fresh build: run `npm run build` in web/ and commit dist/", name)
		}
	}
	var extra []string
	for name := range committed {
		if _, ok := fresh[name]; !ok {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("dist/ has files the build does not make: %v", extra)
	}
	if len(fresh) < 6 {
		t.Errorf("the build made only %d files", len(fresh))
	}
}

func listFiles(t *testing.T, fsys fs.FS) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		files[filepath.ToSlash(path)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// readDist returns the built file name of dist, failing t if it is not there.
func readDist(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(Dist(), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoaderIsSmall keeps the SDK loader, which every customer page loads,
// under 11 KB gzipped (as served: dist/sdk.js.gz); the recorder, the chat
// panel, the passport's sign-in, following tabs, Tandem.screen's tree and
// the waiting notices load only when needed. (The budget was 10 KB until the
// loader took Tandem.screen's tree keeping and Tandem.passport's host; it
// keeps only a listener to the other tabs, which must hear them from the
// first moment: about 11 KB.)
func TestLoaderIsSmall(t *testing.T) {
	b := readDist(t, "sdk.js")
	z := readDist(t, "sdk.js.gz")
	if len(z) > 11*1024 {
		t.Fatalf("sdk.js is %d bytes gzipped, over 11 KB", len(z))
	}
	rec := readDist(t, "recorder.js")
	if !bytes.Contains(rec, []byte("rrweb")) && len(rec) < 50_000 {
		t.Fatalf("recorder.js (%d bytes) does not look like it bundles rrweb", len(rec))
	}
	if bytes.Contains(b, []byte("takeFullSnapshot")) {
		t.Fatal("sdk.js contains the recorder: it must load only after consent")
	}
}

// TestLoaderNamesItsRecorder: the loader loads the recorder by the first 16
// hex digits of the SHA-256 of recorder.js, the URL the server serves it
// under (internal/httpapi, assetHash), so a loader never runs a recorder of
// another build.
func TestLoaderNamesItsRecorder(t *testing.T) {
	sdk := readDist(t, "sdk.js")
	rec := readDist(t, "recorder.js")
	sum := sha256.Sum256(rec)
	want := `"/sdk/recorder.` + hex.EncodeToString(sum[:8]) + `.js"`
	if !bytes.Contains(sdk, []byte(want)) {
		t.Fatalf("sdk.js does not load %s", want)
	}
	if n := bytes.Count(sdk, []byte("/sdk/recorder.")); n != 1 {
		t.Fatalf("sdk.js names a recorder %d times, want once", n)
	}
}

// TestLoaderNamesItsLazyBundles: the loader loads the chat panel, the
// passport's sign-in, following tabs, Tandem.screen's tree and the waiting
// notices by their content hash too, and none of them is in the loader.
func TestLoaderNamesItsLazyBundles(t *testing.T) {
	sdk := readDist(t, "sdk.js")
	for _, b := range []struct{ name, entry, inside string }{
		{"chat", "__tandemChat", "Earlier messages"},
		{"passport", "__tandemPassport", "/passport/events"},
		{"tabs", "__tandemTabs", "handover"},
		{"screen", "__tandemScreen", "findIndex"},
		{"waiting", "__tandemWaiting", "No agent is available"},
	} {
		bundle := readDist(t, b.name+".js")
		sum := sha256.Sum256(bundle)
		want := `"/sdk/` + b.name + `.` + hex.EncodeToString(sum[:8]) + `.js"`
		if !bytes.Contains(sdk, []byte(want)) {
			t.Fatalf("sdk.js does not load %s", want)
		}
		if !bytes.Contains(bundle, []byte(b.entry)) || !bytes.Contains(bundle, []byte(b.inside)) || bytes.Contains(sdk, []byte(b.inside)) {
			t.Fatalf("%s must be in %s.js only", b.inside, b.name)
		}
	}
}

// TestBundlesPrecompressed: every bundle the server serves has a gzip and a
// brotli form that decompress to it, and they are worth sending (at least
// half off, for all but the smallest, which compress less).
func TestBundlesPrecompressed(t *testing.T) {
	for _, name := range []string{"sdk.js", "recorder.js", "chat.js", "passport.js", "tabs.js", "screen.js", "waiting.js", "console.js", "console.css", "terminal.js", "terminal.css"} {
		plain := readDist(t, name)
		for _, suffix := range []string{".gz", ".br"} {
			b, err := fs.ReadFile(Dist(), name+suffix)
			if err != nil {
				t.Errorf("dist/%s%s is missing", name, suffix)
				continue
			}
			if _, got, err := decodeCompressed(name+suffix, b); err != nil || !bytes.Equal(got, plain) {
				t.Errorf("dist/%s%s does not decompress to %s (%v)", name, suffix, name, err)
			}
			if len(b) > len(plain)/2 && len(plain) > 2048 || len(b) >= len(plain) {
				t.Errorf("dist/%s%s is %d bytes for %d", name, suffix, len(b), len(plain))
			}
		}
	}
}
