package screenclient_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/screenclient"
)

func screen(kids ...*screenclient.Node) *screenclient.Node {
	return &screenclient.Node{ID: "root", Tag: "Screen", Bounds: screenclient.Bounds{W: 100, H: 100}, Children: kids}
}

func leaf(id string, attrs map[string]any) *screenclient.Node {
	return &screenclient.Node{ID: id, Tag: "Text", Attrs: attrs, Bounds: screenclient.Bounds{W: 10, H: 10}}
}

// A tree over a limit or malformed is refused with the field named, and
// the screen the converter had stays.
func TestFullRefusals(t *testing.T) {
	deep := leaf("d0", nil)
	for i := 1; i <= screenclient.MaxDepth; i++ {
		deep = &screenclient.Node{ID: "d" + string(rune('a'+i%26)) + strings.Repeat("x", i), Tag: "Box", Children: []*screenclient.Node{deep}}
	}
	many := make([]*screenclient.Node, screenclient.MaxElements)
	for i := range many {
		many[i] = leaf(strings.Repeat("m", 1+i%100)+string(rune('a'+i%26))+strings.Repeat("n", i/2600), nil)
	}
	for _, tt := range []struct {
		name string
		tree *screenclient.Node
		want string
	}{
		{"no tree", nil, "screen: must be an element object"},
		{"an empty id", screen(leaf("", nil)), "screen.children[0].id: must be a string of 1 to 128 characters"},
		{"a long id", screen(leaf(strings.Repeat("i", 129), nil)), "screen.children[0].id"},
		{"a bad tag", &screenclient.Node{ID: "r", Tag: "1up"}, "screen.tag: not a valid tag"},
		{"NaN", screen(&screenclient.Node{ID: "n", Tag: "T", Bounds: screenclient.Bounds{X: math.NaN()}}), "screen.children[0].bounds.x: must be a finite number"},
		{"too far", screen(&screenclient.Node{ID: "n", Tag: "T", Bounds: screenclient.Bounds{Y: 2e6}}), "screen.children[0].bounds.y: must be a finite number"},
		{"a negative width", screen(&screenclient.Node{ID: "n", Tag: "T", Bounds: screenclient.Bounds{W: -1}}), "screen.children[0].bounds.w: must not be negative"},
		{"a bad attribute name", screen(leaf("a", map[string]any{"on click": "x"})), "screen.children[0].attrs.on click: not a valid attribute name"},
		{"an object attribute", screen(leaf("a", map[string]any{"x": map[string]any{}})), "screen.children[0].attrs.x: must be a string, number or boolean"},
		{"a long text", screen(leaf("a", map[string]any{"text": strings.Repeat("t", 4097)})), "longer than 4096 characters"},
		{"a url() hint", screen(&screenclient.Node{ID: "s", Tag: "T", Style: map[string]any{"background": "url(https://evil.example/)"}}), "screen.children[0].style.background: not an allowed value"},
		{"a bad property", screen(&screenclient.Node{ID: "s", Tag: "T", Style: map[string]any{"back ground": "red"}}), "not a CSS property"},
		{"an id used twice", screen(leaf("a", nil), leaf("a", nil)), `screen: element id "a" used twice`},
		{"too deep", screen(deep), "deeper than 32 levels"},
		{"too many", screen(many...), "screen: more than 5000 elements"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conv, err := screenclient.NewConverter(nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conv.Full(screen(leaf("kept", map[string]any{"text": "kept"})), screenclient.Viewport{Width: 100, Height: 100}); err != nil {
				t.Fatal(err)
			}
			if _, err := conv.Full(tt.tree, screenclient.Viewport{Width: 100, Height: 100}); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Full = %v, want an error with %q", err, tt.want)
			}
			// The screen before stays: a change to it still applies.
			if _, err := conv.Apply([]screenclient.Change{{Op: "update", ID: "kept", Attrs: map[string]any{"text": "still"}}}); err != nil {
				t.Errorf("after a refused screen, the previous one is gone: %v", err)
			}
		})
	}
}

// Masking happens in the converter, before anything is sent: by tag
// (mask), by type (maskTypes) and by attribute (maskAttrs), in the
// snapshot and in every change; type itself is never masked.
func TestMasking(t *testing.T) {
	conv, err := screenclient.NewConverter(json.RawMessage(`{"tags":{"Pin":{"mask":true},"Field":{"element":"input","text":"value"}},"maskAttrs":["hint"],"maskTypes":["password"]}`))
	if err != nil {
		t.Fatal(err)
	}
	tree := screen(
		&screenclient.Node{ID: "pin", Tag: "Pin", Attrs: map[string]any{"text": "4321", "extra": "secret-extra"}},
		&screenclient.Node{ID: "pw", Tag: "Field", Attrs: map[string]any{"value": "hunter2", "type": "password"}},
		&screenclient.Node{ID: "name", Tag: "Field", Attrs: map[string]any{"value": "Dana", "hint": "secret-hint"}},
	)
	snap, err := conv.Full(tree, screenclient.Viewport{Width: 100, Height: 100})
	if err != nil {
		t.Fatal(err)
	}
	m, err := conv.Apply([]screenclient.Change{{Op: "update", ID: "pw", Attrs: map[string]any{"value": "hunter3"}},
		{Op: "add", Parent: "root", Node: &screenclient.Node{ID: "pin2", Tag: "Pin", Attrs: map[string]any{"text": "9999"}}}})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal([]any{snap, m})
	for _, secret := range []string{"4321", "secret-extra", "hunter", "secret-hint", "9999"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("%q left the converter", secret)
		}
	}
	for _, shown := range []string{`"Dana"`, `"data-type":"password"`, `"type":"password"`, `"*******"`, `"****"`} {
		if !strings.Contains(string(out), shown) {
			t.Errorf("the output has no %s", shown)
		}
	}
	if _, err := screenclient.NewConverter(json.RawMessage(`{"tags":{"B":{"element":"script"}}}`)); err == nil {
		t.Error("a mapping naming <script> was accepted")
	}
}
