package httpapi

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
)

// openAPIParts are the API's description: base.json holds the document
// and each other file adds the paths and component schemas of one part of
// the API (conversations, bots, ...), so that each part is described
// beside the others rather than in one long file. TestOpenAPIMatchesRoutes
// keeps the whole and the routes in step.
//
//go:embed openapi/*.json
var openAPIParts embed.FS

// openAPI is the merged document, made once: it never changes while the
// program runs.
var openAPI = mustMergeOpenAPI(openAPIParts)

// mustMergeOpenAPI merges the parts into one document. A part that
// defines a path or a schema another defines is a mistake found by every
// test run, so it panics.
func mustMergeOpenAPI(parts fs.FS) []byte {
	doc, err := mergeOpenAPI(parts)
	if err != nil {
		panic(err)
	}
	return doc
}

func mergeOpenAPI(parts fs.FS) ([]byte, error) {
	read := func(name string) (map[string]any, error) {
		b, err := fs.ReadFile(parts, name)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", name, err)
		}
		return m, nil
	}
	doc, err := read("openapi/base.json")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(parts, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "openapi/base.json" {
			continue
		}
		part, err := read(name)
		if err != nil {
			return nil, err
		}
		if err := mergeSection(doc, part, name, "paths"); err != nil {
			return nil, err
		}
		if comps, ok := part["components"].(map[string]any); ok {
			for section := range comps {
				if err := mergeSection(child(doc, "components"), comps, name, section); err != nil {
					return nil, err
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// child returns m[key] as a map, making it when absent.
func child(m map[string]any, key string) map[string]any {
	c, ok := m[key].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[key] = c
	}
	return c
}

// mergeSection adds part[section]'s entries to into[section], refusing one
// that exists.
func mergeSection(into, part map[string]any, name, section string) error {
	entries, ok := part[section].(map[string]any)
	if !ok {
		return nil
	}
	dst := child(into, section)
	for k, v := range entries {
		if _, dup := dst[k]; dup {
			return fmt.Errorf("openapi: %s defines %s %q again", name, section, k)
		}
		dst[k] = v
	}
	return nil
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(openAPI)
}

// OpenAPIDocument returns the OpenAPI document the server serves at
// /api/v1/openapi.json, for tests that check responses against it.
func OpenAPIDocument() []byte { return bytes.Clone(openAPI) }
