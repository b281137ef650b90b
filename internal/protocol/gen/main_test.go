package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesAreCurrent: the Go constants and the TypeScript module
// are what protocol.json makes; otherwise run `go generate ./internal/protocol`.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", sourcePath))
	if err != nil {
		t.Fatal(err)
	}
	goSrc, tsSrc, err := render(src)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{goPath: goSrc, tsPath: tsSrc} {
		got, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(path)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what protocol.json makes: run `go generate ./internal/protocol`", path)
		}
	}
}

// A table with a code or kind twice is refused rather than generated.
func TestRepeatsRefused(t *testing.T) {
	for _, src := range []string{
		`{"closeCodes":[{"name":"A","code":4400,"doc":"a"},{"name":"B","code":4400,"doc":"b"}],"frameKinds":[{"name":"K","kind":"k","doc":"k"}]}`,
		`{"closeCodes":[{"name":"A","code":4400,"doc":"a"}],"frameKinds":[{"name":"K","kind":"k","doc":"k"},{"name":"L","kind":"k","doc":"l"}]}`,
		`{"closeCodes":[{"name":"A","code":4400,"doc":"a"},{"name":"A","code":4401,"doc":"b"}],"frameKinds":[{"name":"K","kind":"k","doc":"k"}]}`,
		`{"closeCodes":[{"name":"A","code":99,"doc":"a"}],"frameKinds":[{"name":"K","kind":"k","doc":"k"}]}`,
		`{"closeCodes":[],"frameKinds":[]}`,
		`{"closeCodes":[{"name":"A","code":4400,"doc":"a","extra":1}],"frameKinds":[{"name":"K","kind":"k","doc":"k"}]}`,
	} {
		if _, _, err := render([]byte(src)); err == nil {
			t.Errorf("accepted %s", src)
		}
	}
}
