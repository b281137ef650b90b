// Package screenclient is a Go client of Tandem's native screens
// (docs/native-screens.md): an app that draws its own UI describes its
// screen as a view tree and changes to it; the client checks them against
// the protocol's limits, masks them by the site's screen mapping (so that
// masked text never leaves the app) and turns them into the rrweb
// snapshots and mutations that cross the wire, exactly as the TypeScript
// SDK's web/shared/viewtree.ts does. Tests use it to be "an app" without
// a browser; SDKs for other platforms can follow it.
//
//	conv, _ := screenclient.NewConverter(mapping) // the site's, from welcome
//	snap, _ := conv.Full(tree, screenclient.Viewport{Width: 360, Height: 480})
//	mut, _ := conv.Apply([]screenclient.Change{{Op: "update", ID: "title", Attrs: map[string]any{"text": "Done"}}})
package screenclient

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/tandemhq/tandem/internal/screenmap"
)

// Limits checked before anything is converted or sent (viewLimits in
// viewtree.ts).
const (
	MaxDepth    = 32
	MaxElements = 5000
	MaxText     = 4096
	MaxAttrs    = 32
	MaxStyles   = 32
	MaxID       = 128
	MaxChanges  = 1000
	maxCoord    = 1e6
)

var (
	tagRe   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.:-]{0,63}$`)
	attrRe  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)
	upperRe = regexp.MustCompile(`[A-Z]`)
)

// Bounds is a box in CSS pixels (points, dp), relative to the parent's box.
type Bounds struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Node is one element of a screen. Attribute values are strings, numbers
// or booleans; style values strings or numbers.
type Node struct {
	ID       string         `json:"id"`
	Tag      string         `json:"tag"`
	Attrs    map[string]any `json:"attrs,omitempty"`
	Bounds   Bounds         `json:"bounds"`
	Style    map[string]any `json:"style,omitempty"`
	Children []*Node        `json:"children,omitempty"`
}

// Change is one change of an update: "add" (Parent, Before, Node),
// "remove" (ID) or "update" (ID, Attrs and Style whose nil values remove
// one, Bounds replacing the box).
type Change struct {
	Op     string         `json:"op"`
	ID     string         `json:"id,omitempty"`
	Parent string         `json:"parent,omitempty"`
	Before string         `json:"before,omitempty"`
	Node   *Node          `json:"node,omitempty"`
	Attrs  map[string]any `json:"attrs,omitempty"`
	Bounds *Bounds        `json:"bounds,omitempty"`
	Style  map[string]any `json:"style,omitempty"`
}

// checked is a node after its check: attributes as their text, style
// properties kebab-case.
type checked struct {
	id, tag  string
	attrs    map[string]string
	bounds   Bounds
	style    map[string]string
	children []*checked
}

func invalid(format string, args ...any) error { return fmt.Errorf(format, args...) }

func checkBounds(b Bounds, at string) error {
	for _, f := range []struct {
		k string
		v float64
	}{{"x", b.X}, {"y", b.Y}, {"w", b.W}, {"h", b.H}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || math.Abs(f.v) > maxCoord {
			return invalid("%s.bounds.%s: must be a finite number", at, f.k)
		}
		if (f.k == "w" || f.k == "h") && f.v < 0 {
			return invalid("%s.bounds.%s: must not be negative", at, f.k)
		}
	}
	return nil
}

// attrText is an attribute value as the snapshot writes it (String(v)).
func attrText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	case float64:
		return numText(x), !math.IsNaN(x) && !math.IsInf(x, 0)
	case int:
		return numText(float64(x)), true
	}
	return "", false
}

// numText writes a number as JavaScript's String does for the values a
// screen uses (integers and short decimals).
func numText(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return fmt.Sprintf("%.0f", f)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", f), "0"), ".")
}

// checkAttrs checks attrs; nils are kept (as removals) when nulls is set.
func checkAttrs(a map[string]any, at string, nulls bool) (map[string]*string, error) {
	if len(a) > MaxAttrs {
		return nil, invalid("%s.attrs: at most %d attributes", at, MaxAttrs)
	}
	out := make(map[string]*string, len(a))
	for k, v := range a {
		if !attrRe.MatchString(k) {
			return nil, invalid("%s.attrs.%s: not a valid attribute name", at, k)
		}
		if v == nil && nulls {
			out[k] = nil
			continue
		}
		s, ok := attrText(v)
		if !ok {
			return nil, invalid("%s.attrs.%s: must be a string, number or boolean", at, k)
		}
		if _, isStr := v.(string); isStr && len([]rune(s)) > MaxText {
			return nil, invalid("%s.attrs.%s: longer than %d characters", at, k, MaxText)
		}
		out[k] = &s
	}
	return out, nil
}

func checkStyle(st map[string]any, at string, nulls bool) (map[string]*string, error) {
	if len(st) > MaxStyles {
		return nil, invalid("%s.style: at most %d hints", at, MaxStyles)
	}
	out := make(map[string]*string, len(st))
	for k, v := range st {
		prop := upperRe.ReplaceAllStringFunc(k, func(c string) string { return "-" + strings.ToLower(c) })
		if !screenmap.SafeProp(prop) {
			return nil, invalid("%s.style.%s: not a CSS property", at, k)
		}
		if v == nil && nulls {
			out[prop] = nil
			continue
		}
		var s string
		switch x := v.(type) {
		case float64, int:
			s, _ = attrText(x)
		case string:
			if !screenmap.SafeValue(x) {
				return nil, invalid("%s.style.%s: not an allowed value", at, k)
			}
			s = x
		default:
			return nil, invalid("%s.style.%s: not an allowed value", at, k)
		}
		out[prop] = &s
	}
	return out, nil
}

func values(m map[string]*string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = *v
	}
	return out
}

// checkTree checks n at depth, counting its elements in count.
func checkTree(n *Node, depth int, count *int, at string) (*checked, error) {
	if depth > MaxDepth {
		return nil, invalid("%s: deeper than %d levels", at, MaxDepth)
	}
	if *count++; *count > MaxElements {
		return nil, invalid("screen: more than %d elements", MaxElements)
	}
	if n == nil {
		return nil, invalid("%s: must be an element object", at)
	}
	if n.ID == "" || len([]rune(n.ID)) > MaxID {
		return nil, invalid("%s.id: must be a string of 1 to %d characters", at, MaxID)
	}
	if !tagRe.MatchString(n.Tag) {
		return nil, invalid("%s.tag: not a valid tag", at)
	}
	attrs, err := checkAttrs(n.Attrs, at, false)
	if err != nil {
		return nil, err
	}
	if err := checkBounds(n.Bounds, at); err != nil {
		return nil, err
	}
	style, err := checkStyle(n.Style, at, false)
	if err != nil {
		return nil, err
	}
	c := &checked{id: n.ID, tag: n.Tag, attrs: values(attrs), bounds: n.Bounds, style: values(style)}
	for i, k := range n.Children {
		ck, err := checkTree(k, depth+1, count, fmt.Sprintf("%s.children[%d]", at, i))
		if err != nil {
			return nil, err
		}
		c.children = append(c.children, ck)
	}
	return c, nil
}

// Mask replaces every character of s but white space by "*": the length
// shows, the text does not.
func Mask(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(" \t\n\r\f\v\u00a0\u2028\u2029\ufeff", r) || r == '\u1680' || (r >= '\u2000' && r <= '\u200a') ||
			r == '\u202f' || r == '\u205f' || r == '\u3000' {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}
