package screenclient

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/tandemhq/tandem/internal/screenmap"
)

// SNode is an rrweb serialized node, as far as the converter makes them:
// Type 0 document, 1 doctype, 2 element, 3 text.
type SNode struct {
	Type        int               `json:"type"`
	ID          int               `json:"id"`
	Name        *string           `json:"name,omitempty"`
	PublicID    *string           `json:"publicId,omitempty"`
	SystemID    *string           `json:"systemId,omitempty"`
	TagName     string            `json:"tagName,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	ChildNodes  []*SNode          `json:"childNodes,omitempty"`
	TextContent *string           `json:"textContent,omitempty"`
}

// MarshalJSON writes an element's attributes and a document's or an
// element's children even when empty, as rrweb expects them.
func (n *SNode) MarshalJSON() ([]byte, error) {
	type plain SNode
	switch n.Type {
	case 0:
		return json.Marshal(struct {
			Type       int      `json:"type"`
			ID         int      `json:"id"`
			ChildNodes []*SNode `json:"childNodes"`
		}{n.Type, n.ID, orEmpty(n.ChildNodes)})
	case 2:
		return json.Marshal(struct {
			Type       int               `json:"type"`
			ID         int               `json:"id"`
			TagName    string            `json:"tagName"`
			Attributes map[string]string `json:"attributes"`
			ChildNodes []*SNode          `json:"childNodes"`
		}{n.Type, n.ID, n.TagName, orEmptyMap(n.Attributes), orEmpty(n.ChildNodes)})
	}
	return json.Marshal((*plain)(n))
}

func orEmpty(s []*SNode) []*SNode {
	if s == nil {
		return []*SNode{}
	}
	return s
}

func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// Snapshot is the data of an rrweb FullSnapshot event.
type Snapshot struct {
	Node          *SNode `json:"node"`
	InitialOffset struct {
		Left int `json:"left"`
		Top  int `json:"top"`
	} `json:"initialOffset"`
}

// Mutation is the data of an rrweb Mutation (IncrementalSnapshot source 0).
type Mutation struct {
	Source     int            `json:"source"`
	Texts      []TextChange   `json:"texts"`
	Attributes []AttrChange   `json:"attributes"`
	Removes    []RemoveChange `json:"removes"`
	Adds       []AddChange    `json:"adds"`
}

// Empty reports whether m changes nothing (and is not worth sending).
func (m *Mutation) Empty() bool {
	return len(m.Texts)+len(m.Attributes)+len(m.Removes)+len(m.Adds) == 0
}

// TextChange sets a text node's content.
type TextChange struct {
	ID    int    `json:"id"`
	Value string `json:"value"`
}

// AttrChange sets attributes of an element (nil removes one).
type AttrChange struct {
	ID         int                `json:"id"`
	Attributes map[string]*string `json:"attributes"`
}

// RemoveChange removes a node.
type RemoveChange struct {
	ParentID int `json:"parentId"`
	ID       int `json:"id"`
}

// AddChange adds a node, without its children, before NextID (at the end
// when nil).
type AddChange struct {
	ParentID int    `json:"parentId"`
	NextID   *int   `json:"nextId"`
	Node     *SNode `json:"node"`
}

// Viewport is the size of the screen the snapshot draws.
type Viewport struct{ Width, Height int }

// live is an element on the screen.
type live struct {
	node    *checked
	rid     int
	textRid int    // 0: no text node (an input carries its text as value)
	parent  string // "" for the root
}

// RootRID is the rrweb id of the screen's box: the innermost element of a
// touch outside every element.
const RootRID = 6

const pageCSS = "html,body{margin:0;padding:0;background:#fff}body{font:14px system-ui,sans-serif;color:#111}" +
	".tandem-screen *{box-sizing:border-box;position:absolute;margin:0;overflow:hidden;white-space:pre-wrap}"

var classSafe = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// Converter turns a screen and its changes into rrweb snapshots and
// mutations, masking by a mapping. It is not safe for concurrent use.
type Converter struct {
	m      screenmap.Mapping
	live   map[string]*live
	next   int
	rootID string
}

// NewConverter returns a converter for the site's mapping (JSON, as the
// welcome's site.screenMapping carries it); an empty or null mapping is
// the default: every tag a div, its text attribute its text, elements of
// type password masked.
func NewConverter(mapping json.RawMessage) (*Converter, error) {
	m := screenmap.Mapping{MaskTypes: []string{"password"}}
	if s := strings.TrimSpace(string(mapping)); s != "" && s != "null" {
		compact, err := screenmap.Check(mapping)
		if err != nil {
			return nil, err
		}
		m = screenmap.Mapping{}
		if err := json.Unmarshal([]byte(compact), &m); err != nil {
			return nil, fmt.Errorf("screen mapping: %w", err)
		}
	}
	return &Converter{m: m, live: map[string]*live{}, next: 10}, nil
}

func (c *Converter) rule(tag string) screenmap.Rule { return c.m.Tags[tag] }

// masked reports whether n's text and attributes are masked.
func (c *Converter) masked(n *checked) bool {
	if r := c.rule(n.tag); r.Mask != nil && *r.Mask {
		return true
	}
	t, ok := n.attrs["type"]
	return ok && slices.Contains(c.m.MaskTypes, t)
}

func (c *Converter) textAttr(n *checked) string {
	if t := c.rule(n.tag).Text; t != "" {
		return t
	}
	return "text"
}

// textOf is n's text as sent (masked as the mapping says), or nil.
func (c *Converter) textOf(n *checked) *string {
	v, ok := n.attrs[c.textAttr(n)]
	if !ok {
		return nil
	}
	if c.masked(n) {
		v = Mask(v)
	}
	return &v
}

func (c *Converter) element(n *checked) string {
	if e := c.rule(n.tag).Element; e != "" {
		return e
	}
	return "div"
}

func (c *Converter) attributes(n *checked) map[string]string {
	r := c.rule(n.tag)
	cls := append([]string{"tv-" + classSafe.ReplaceAllString(n.tag, "-")}, r.Classes...)
	b := n.bounds
	css := fmt.Sprintf("left:%spx;top:%spx;width:%spx;height:%spx;", numText(b.X), numText(b.Y), numText(b.W), numText(b.H))
	for _, k := range slices.Sorted(maps.Keys(r.Style)) {
		css += k + ":" + r.Style[k] + ";"
	}
	for _, k := range slices.Sorted(maps.Keys(n.style)) {
		css += k + ":" + n.style[k] + ";"
	}
	out := map[string]string{"class": strings.Join(cls, " "), "style": css, "data-tag": n.tag}
	textKey, whole := c.textAttr(n), c.masked(n)
	for k, v := range n.attrs {
		if k == textKey {
			continue
		}
		// type is what decides masking (maskTypes): it is never masked itself.
		if k != "type" && (whole || slices.Contains(c.m.MaskAttrs, k)) {
			v = Mask(v)
		}
		out["data-"+strings.ToLower(k)] = v
	}
	if el := c.element(n); el == "input" || el == "textarea" {
		if t := c.textOf(n); t != nil {
			out["value"] = *t
		}
		out["readonly"] = ""
		if el == "input" {
			out["type"] = "text"
			if n.attrs["type"] == "password" {
				out["type"] = "password"
			}
		}
	}
	return out
}

func text(id int, s string) *SNode { return &SNode{Type: 3, ID: id, TextContent: &s} }

func (c *Converter) serialize(n *checked, parent string) (*SNode, error) {
	if _, dup := c.live[n.id]; dup {
		return nil, invalid("screen: element id %q used twice", n.id)
	}
	el := c.element(n)
	l := &live{node: n, rid: c.next, parent: parent}
	c.next++
	c.live[n.id] = l
	var kids []*SNode
	if el != "input" && el != "textarea" && el != "hr" {
		l.textRid = c.next
		c.next++
		t := ""
		if p := c.textOf(n); p != nil {
			t = *p
		}
		kids = append(kids, text(l.textRid, t))
	}
	for _, k := range n.children {
		s, err := c.serialize(k, n.id)
		if err != nil {
			return nil, err
		}
		kids = append(kids, s)
	}
	if el == "input" || el == "hr" {
		kids = nil
	}
	return &SNode{Type: 2, ID: l.rid, TagName: el, Attributes: c.attributes(n), ChildNodes: kids}, nil
}

// Full converts a whole screen to a FullSnapshot's data. A bad tree is an
// error naming the problem, and changes nothing.
func (c *Converter) Full(tree *Node, vp Viewport) (*Snapshot, error) {
	count := 0
	t, err := checkTree(tree, 1, &count, "screen")
	if err != nil {
		return nil, err
	}
	saved, next := c.live, c.next
	c.live = map[string]*live{}
	screen, err := c.serialize(t, "")
	if err != nil {
		c.live, c.next = saved, next
		return nil, err
	}
	c.rootID = t.id
	html, empty := "html", ""
	el := func(id int, tag string, attrs map[string]string, kids ...*SNode) *SNode {
		return &SNode{Type: 2, ID: id, TagName: tag, Attributes: attrs, ChildNodes: kids}
	}
	doc := &SNode{Type: 0, ID: 1, ChildNodes: []*SNode{
		{Type: 1, ID: 2, Name: &html, PublicID: &empty, SystemID: &empty},
		el(3, "html", nil,
			el(4, "head", nil, el(5, "style", nil, text(7, pageCSS))),
			el(8, "body", nil, el(RootRID, "div", map[string]string{"class": "tandem-screen",
				"style": fmt.Sprintf("position:relative;width:%dpx;height:%dpx", vp.Width, vp.Height)}, screen))),
	}}
	return &Snapshot{Node: doc}, nil
}
