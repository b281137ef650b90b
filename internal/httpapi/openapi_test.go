package httpapi

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tandemhq/tandem/internal/sshrelay"
)

func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version = %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	// The API's routes, not nodeRoutes: those only nodes use, and they
	// stay out of the document (TestNodeRoutesAreNotTheAPI).
	routed := map[string]bool{}
	for _, r := range (&Server{}).apiRoutes() {
		routed[r.method+" "+r.path] = true
	}
	var missing, extra []string
	for r := range routed {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for r := range documented {
		if !routed[r] {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("openapi.json documents paths no route serves: %v", extra)
	}
}

// The routes nodes use to pass each other clients are no part of the API:
// not under /api/, not in the OpenAPI document; the terminal one is the
// path the SSH relay asks other nodes at.
func TestNodeRoutesAreNotTheAPI(t *testing.T) {
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, r := range (&Server{}).nodeRoutes() {
		paths[r.path] = true
		if strings.HasPrefix(r.path, "/api/") {
			t.Errorf("node route %s is under /api/", r.path)
		}
		if _, ok := doc.Paths[r.path]; ok {
			t.Errorf("node route %s is in openapi.json", r.path)
		}
	}
	if !paths[sshrelay.PeerJoinPath] {
		t.Errorf("no node route serves %s, where the SSH relay passes helpers", sshrelay.PeerJoinPath)
	}
}

func TestOpenAPIPartsMayNotRedefine(t *testing.T) {
	base := `{"openapi":"3.1.0","paths":{"/a":{}},"components":{"schemas":{"A":{}}}}`
	cases := []struct {
		name, part, wantErr string
	}{
		{"adds", `{"paths":{"/b":{}},"components":{"schemas":{"B":{}}}}`, ""},
		{"path twice", `{"paths":{"/a":{}}}`, `defines paths "/a" again`},
		{"schema twice", `{"components":{"schemas":{"A":{}}}}`, `defines schemas "A" again`},
		{"not JSON", `{`, "openapi/part.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{"openapi/base.json": {Data: []byte(base)}, "openapi/part.json": {Data: []byte(c.part)}}
			doc, err := mergeOpenAPI(fsys)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(doc), `"/b"`) || !strings.Contains(string(doc), `"B"`) {
				t.Fatalf("merged document lacks the part: %s", doc)
			}
		})
	}
}
