package web

import (
	"bytes"
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
		if !ok {
			t.Errorf("dist/%s is missing: run `npm run build` in web/ and commit dist/", name)
		} else if !bytes.Equal(got, want) {
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

// TestLoaderIsSmall keeps the SDK loader, which every customer page loads,
// under 10 KB gzipped; the recorder loads only after consent.
func TestLoaderIsSmall(t *testing.T) {
	b, err := fs.ReadFile(Dist(), "sdk.js")
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	if err := gzipBest(&z, b); err != nil {
		t.Fatal(err)
	}
	if z.Len() > 10*1024 {
		t.Fatalf("sdk.js is %d bytes gzipped, over 10 KB", z.Len())
	}
	rec, err := fs.ReadFile(Dist(), "recorder.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(rec, []byte("rrweb")) && len(rec) < 50_000 {
		t.Fatalf("recorder.js (%d bytes) does not look like it bundles rrweb", len(rec))
	}
	if bytes.Contains(b, []byte("takeFullSnapshot")) {
		t.Fatal("sdk.js contains the recorder: it must load only after consent")
	}
}
