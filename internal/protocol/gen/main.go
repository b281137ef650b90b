// Command gen writes the close codes and frame kinds of protocol.json as Go
// (protocol_gen.go) and TypeScript (web/shared/protocol.ts). Run it with
// `go generate ./internal/protocol`.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
)

// Paths relative to internal/protocol, where go generate runs.
const (
	sourcePath = "protocol.json"
	goPath     = "protocol_gen.go"
	tsPath     = "../../web/shared/protocol.ts"
)

type table struct {
	CloseCodes []struct {
		Name string `json:"name"`
		Code int    `json:"code"`
		Doc  string `json:"doc"`
	} `json:"closeCodes"`
	FrameKinds []struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
		Doc  string `json:"doc"`
	} `json:"frameKinds"`
}

func main() {
	src, err := os.ReadFile(sourcePath)
	if err != nil {
		log.Fatal(err)
	}
	goSrc, tsSrc, err := render(src)
	if err != nil {
		log.Fatal(err)
	}
	for path, b := range map[string][]byte{goPath: goSrc, tsPath: tsSrc} {
		if err := os.WriteFile(filepath.FromSlash(path), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// render returns the Go and TypeScript files for the table src.
func render(src []byte) (goSrc, tsSrc []byte, err error) {
	var t table
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", sourcePath, err)
	}
	if err := check(t); err != nil {
		return nil, nil, err
	}
	const header = "Code generated from internal/protocol/protocol.json by `go generate ./internal/protocol`; DO NOT EDIT."
	var g, ts bytes.Buffer
	fmt.Fprintf(&g, "// %s\n\npackage protocol\n\n// WebSocket close codes.\nconst (\n", header)
	fmt.Fprintf(&ts, "// %s\n// The WebSocket close codes and frame kinds of Tandem's channels (docs/protocol.md).\n\n", header)
	for _, c := range t.CloseCodes {
		fmt.Fprintf(&g, "\tClose%s = %d // %s\n", c.Name, c.Code, c.Doc)
		fmt.Fprintf(&ts, "/** %d: %s. */\nexport const Close%s = %d;\n", c.Code, c.Doc, c.Name, c.Code)
	}
	fmt.Fprintf(&g, ")\n\n// Frame kinds: a frame header's \"k\".\nconst (\n")
	ts.WriteString("\n")
	for _, k := range t.FrameKinds {
		fmt.Fprintf(&g, "\tKind%s = %q // %s\n", k.Name, k.Kind, k.Doc)
		fmt.Fprintf(&ts, "/** %s. */\nexport const Kind%s = %q;\n", k.Doc, k.Name, k.Kind)
	}
	g.WriteString(")\n")
	goSrc, err = format.Source(g.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("format the Go file: %w", err)
	}
	return goSrc, ts.Bytes(), nil
}

// check refuses a table with a name or value twice, or an empty one.
func check(t table) error {
	names, codes, kinds := map[string]bool{}, map[int]bool{}, map[string]bool{}
	for _, c := range t.CloseCodes {
		if c.Name == "" || c.Doc == "" || names["Close"+c.Name] || codes[c.Code] || c.Code < 1000 || c.Code > 4999 {
			return fmt.Errorf("close code %q (%d): empty, repeated or out of range", c.Name, c.Code)
		}
		names["Close"+c.Name], codes[c.Code] = true, true
	}
	for _, k := range t.FrameKinds {
		if k.Name == "" || k.Kind == "" || k.Doc == "" || names["Kind"+k.Name] || kinds[k.Kind] {
			return fmt.Errorf("frame kind %q (%q): empty or repeated", k.Name, k.Kind)
		}
		names["Kind"+k.Name], kinds[k.Kind] = true, true
	}
	if len(codes) == 0 || len(kinds) == 0 {
		return fmt.Errorf("%s has no close codes or no frame kinds", sourcePath)
	}
	return nil
}
