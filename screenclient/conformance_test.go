package screenclient_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/tandemhq/tandem/screenclient"
)

// roundTrip is v as JSON decoded into plain values, so that two outputs
// compare by content (an object's key order aside).
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The Go converter makes exactly what the TypeScript SDK's makes of the
// same screen, changes and mapping (testdata/conformance.json, written by
// testdata/conformance.mjs from web/shared/viewtree.ts): the snapshot,
// each mutation, the refusal of a bad update that then changes nothing,
// and the elements touches land on.
func TestSameAsTheTypeScriptSDK(t *testing.T) {
	raw, err := os.ReadFile("testdata/conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Mapping  json.RawMessage
		Tree     *screenclient.Node
		Viewport struct{ Width, Height int }
		Batches  [][]screenclient.Change
		Bad      [][]screenclient.Change
		Want     struct {
			Full      json.RawMessage
			Mutations []json.RawMessage
			Refused   []string
			After     json.RawMessage
			Hits      []struct {
				X, Y float64
				ID   int
			}
		}
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	conv, err := screenclient.NewConverter(fx.Mapping)
	if err != nil {
		t.Fatal(err)
	}
	decode := func(b json.RawMessage) any {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	full, err := conv.Full(fx.Tree, screenclient.Viewport{Width: fx.Viewport.Width, Height: fx.Viewport.Height})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := roundTrip(t, full), decode(fx.Want.Full); !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		t.Fatalf("full snapshot:\n got %s\nwant %s", g, fx.Want.Full)
	}
	for i, b := range fx.Batches {
		m, err := conv.Apply(b)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		if got, want := roundTrip(t, m), decode(fx.Want.Mutations[i]); !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			t.Errorf("batch %d:\n got %s\nwant %s", i, g, fx.Want.Mutations[i])
		}
	}
	for i, b := range fx.Bad {
		if _, err := conv.Apply(b); err == nil || err.Error() != fx.Want.Refused[i] {
			t.Errorf("bad batch %d: %v, want %q", i, err, fx.Want.Refused[i])
		}
	}
	after, err := conv.Apply([]screenclient.Change{{Op: "update", ID: "title", Attrs: map[string]any{"text": "After"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := roundTrip(t, after), decode(fx.Want.After); !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		t.Errorf("after a refused update:\n got %s\nwant %s", g, fx.Want.After)
	}
	for _, h := range fx.Want.Hits {
		if got := conv.Hit(h.X, h.Y); got != h.ID {
			t.Errorf("Hit(%v, %v) = %d, want %d", h.X, h.Y, got, h.ID)
		}
	}
}
