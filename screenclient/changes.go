package screenclient

import (
	"fmt"
	"maps"
	"slices"
)

// Apply converts changes to one mutation. A bad change is an error naming
// it, and the whole update changes nothing (the app sends the whole screen
// again).
func (c *Converter) Apply(changes []Change) (*Mutation, error) {
	if len(changes) > MaxChanges {
		return nil, invalid("changes: at most %d in one update", MaxChanges)
	}
	if c.rootID == "" {
		return nil, invalid("changes: no screen set")
	}
	work := c.clone()
	m := &Mutation{Texts: []TextChange{}, Attributes: []AttrChange{}, Removes: []RemoveChange{}, Adds: []AddChange{}}
	for i, ch := range changes {
		if err := work.change(ch, fmt.Sprintf("changes[%d]", i), m); err != nil {
			return nil, err
		}
	}
	*c = *work
	return m, nil
}

// clone copies the converter's screen, so that an update is made on the
// copy and kept only when all of it succeeds.
func (c *Converter) clone() *Converter {
	out := &Converter{m: c.m, live: make(map[string]*live, len(c.live)), next: c.next, rootID: c.rootID}
	var copyTree func(n *checked) *checked
	copyTree = func(n *checked) *checked {
		cp := &checked{id: n.id, tag: n.tag, attrs: maps.Clone(n.attrs), bounds: n.bounds, style: maps.Clone(n.style)}
		for _, k := range n.children {
			cp.children = append(cp.children, copyTree(k))
		}
		old := c.live[n.id]
		out.live[n.id] = &live{node: cp, rid: old.rid, textRid: old.textRid, parent: old.parent}
		return cp
	}
	if root, ok := c.live[c.rootID]; ok {
		copyTree(root.node)
	}
	return out
}

func (c *Converter) get(id, at string) (*live, error) {
	l, ok := c.live[id]
	if !ok {
		return nil, invalid("%s: no element %q on the screen", at, id)
	}
	return l, nil
}

func (c *Converter) depth(id string) int {
	d := 0
	for l, ok := c.live[id]; ok; l, ok = c.live[l.parent] {
		d++
	}
	return d
}

func (c *Converter) change(ch Change, at string, m *Mutation) error {
	switch ch.Op {
	case "add":
		return c.add(ch, at, m)
	case "remove":
		l, err := c.get(ch.ID, at+".id")
		if err != nil {
			return err
		}
		if l.parent == "" {
			return invalid("%s.id: the root cannot be removed (set a new screen)", at)
		}
		p := c.live[l.parent]
		p.node.children = slices.DeleteFunc(p.node.children, func(k *checked) bool { return k.id == l.node.id })
		var drop func(n *checked)
		drop = func(n *checked) {
			delete(c.live, n.id)
			for _, k := range n.children {
				drop(k)
			}
		}
		drop(l.node)
		m.Removes = append(m.Removes, RemoveChange{ParentID: p.rid, ID: l.rid})
		return nil
	case "update":
		return c.update(ch, at, m)
	}
	return invalid("%s.op: must be add, remove or update", at)
}

func (c *Converter) add(ch Change, at string, m *Mutation) error {
	parent, err := c.get(ch.Parent, at+".parent")
	if err != nil {
		return err
	}
	var before *live
	if ch.Before != "" {
		if before, err = c.get(ch.Before, at+".before"); err != nil {
			return err
		}
		if before.parent != parent.node.id {
			return invalid("%s.before: not a child of the parent", at)
		}
	}
	count := len(c.live)
	t, err := checkTree(ch.Node, c.depth(parent.node.id)+1, &count, at+".node")
	if err != nil {
		return err
	}
	node, err := c.serialize(t, parent.node.id)
	if err != nil {
		return err
	}
	idx := len(parent.node.children)
	if before != nil {
		idx = slices.IndexFunc(parent.node.children, func(k *checked) bool { return k.id == before.node.id })
	}
	parent.node.children = slices.Insert(parent.node.children, idx, t)
	// rrweb's replayer builds each added node without its children: every
	// descendant is an add of its own, after its parent, appended in order.
	var flat func(n *SNode, parentID int, nextID *int)
	flat = func(n *SNode, parentID int, nextID *int) {
		shallow := *n
		if n.Type == 2 {
			shallow.ChildNodes = nil
		}
		m.Adds = append(m.Adds, AddChange{ParentID: parentID, NextID: nextID, Node: &shallow})
		for _, k := range n.ChildNodes {
			flat(k, n.ID, nil)
		}
	}
	var next *int
	if before != nil {
		next = &before.rid
	}
	flat(node, parent.rid, next)
	return nil
}

func (c *Converter) update(ch Change, at string, m *Mutation) error {
	l, err := c.get(ch.ID, at+".id")
	if err != nil {
		return err
	}
	attrs, err := checkAttrs(ch.Attrs, at, true)
	if err != nil {
		return err
	}
	style, err := checkStyle(ch.Style, at, true)
	if err != nil {
		return err
	}
	n := l.node
	bounds := n.bounds
	if ch.Bounds != nil {
		if err := checkBounds(*ch.Bounds, at); err != nil {
			return err
		}
		bounds = *ch.Bounds
	}
	next := &checked{id: n.id, tag: n.tag, attrs: maps.Clone(n.attrs), bounds: bounds, style: maps.Clone(n.style), children: n.children}
	for k, v := range attrs {
		if v == nil {
			delete(next.attrs, k)
		} else {
			next.attrs[k] = *v
		}
	}
	for k, v := range style {
		if v == nil {
			delete(next.style, k)
		} else {
			next.style[k] = *v
		}
	}
	if len(next.attrs) > MaxAttrs {
		return invalid("%s.attrs: at most %d attributes", at, MaxAttrs)
	}
	if len(next.style) > MaxStyles {
		return invalid("%s.style: at most %d hints", at, MaxStyles)
	}
	oldAttrs, oldText := c.attributes(n), c.textOf(n)
	l.node = next
	if p, ok := c.live[l.parent]; ok {
		for i, k := range p.node.children {
			if k.id == n.id {
				p.node.children[i] = next
			}
		}
	}
	newAttrs := c.attributes(next)
	diff := map[string]*string{}
	for k := range oldAttrs {
		if _, ok := newAttrs[k]; !ok {
			diff[k] = nil
		}
	}
	for k, v := range newAttrs {
		if old, ok := oldAttrs[k]; !ok || old != v {
			diff[k] = &v
		}
	}
	if len(diff) > 0 {
		m.Attributes = append(m.Attributes, AttrChange{ID: l.rid, Attributes: diff})
	}
	if t := c.textOf(next); l.textRid != 0 && !sameText(t, oldText) {
		v := ""
		if t != nil {
			v = *t
		}
		m.Texts = append(m.Texts, TextChange{ID: l.textRid, Value: v})
	}
	return nil
}

func sameText(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Hit returns the rrweb id of the innermost element at screen point (x,
// y), or RootRID when none holds it.
func (c *Converter) Hit(x, y float64) int {
	root, ok := c.live[c.rootID]
	if !ok {
		return RootRID
	}
	found := root.rid
	var walk func(n *checked, ox, oy float64)
	walk = func(n *checked, ox, oy float64) {
		bx, by := ox+n.bounds.X, oy+n.bounds.Y
		if x < bx || y < by || x >= bx+n.bounds.W || y >= by+n.bounds.H {
			return
		}
		found = c.live[n.id].rid
		for _, k := range n.children {
			walk(k, bx, by)
		}
	}
	walk(root.node, 0, 0)
	return found
}
