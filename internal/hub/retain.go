package hub

import (
	"cmp"
	"slices"
)

// snapshot is a retained frame: a page's full snapshot, or its meta frame.
type snapshot struct {
	page string
	hash string
	seq  uint64 // sequence number of the frame
	used uint64 // the latest seq of the frame or a ref to it, for eviction
	data []byte
}

// apply changes the retained state for an accepted frame. pub and mu are held.
func (h *Hub) apply(hd Header, frame []byte) {
	h.last = hd.Seq
	switch hd.Kind {
	case KindSnap:
		if h.snaps == nil {
			h.snaps = make(map[string]*snapshot)
		}
		h.drop(h.snaps[hd.Page])
		s := &snapshot{page: hd.Page, hash: hd.Hash, seq: hd.Seq, used: hd.Seq, data: frame}
		h.snaps[hd.Page] = s
		h.retained += len(frame)
		h.restart(s, nil)
		return
	case KindRef:
		s := h.snaps[hd.Page]
		s.used = hd.Seq
		h.restart(s, frame)
		return
	case KindLeave:
		if hd.Page != h.page {
			h.drop(h.snaps[hd.Page])
			h.drop(h.metas[hd.Page])
		}
	case KindMeta:
		if hd.Page != "" {
			if h.metas == nil {
				h.metas = make(map[string]*snapshot)
			}
			h.drop(h.metas[hd.Page])
			h.metas[hd.Page] = &snapshot{page: hd.Page, seq: hd.Seq, used: hd.Seq, data: frame}
			h.retained += len(frame)
		}
	}
	h.tail = append(h.tail, frame)
	h.tailSize += len(frame)
	h.retained += len(frame)
}

// restart makes s the base that the tail follows; first, if not nil, is the
// tail's first frame (the ref that chose s).
func (h *Hub) restart(s *snapshot, first []byte) {
	h.retained -= h.tailSize
	h.base, h.baseMeta, h.page = s, h.metas[s.page], s.page
	h.stale, h.asked = false, false
	h.tail, h.tailSize, h.tailFrom = nil, 0, h.last+1
	if first != nil {
		h.tail = append(h.tail, first)
		h.tailSize = len(first)
		h.retained += len(first)
		h.tailFrom = h.last
	}
}

// drop forgets a retained snapshot or meta frame.
func (h *Hub) drop(s *snapshot) {
	if s == nil {
		return
	}
	m := h.snaps
	if s.hash == "" {
		m = h.metas
	}
	if m[s.page] == s {
		delete(m, s.page)
		h.retained -= len(s.data)
	}
}

// trim keeps the retained bytes under the limit and reports whether to call
// OnNeedSnapshot. It gives up, in order: snapshots of other pages (least
// recently used first), then the tail (late readers then wait for the next
// snapshot), then the current page's snapshot itself. pub and mu are held.
func (h *Hub) trim() (need bool) {
	limit := h.opts.MaxRetainedBytes
	for h.retained > limit {
		var oldest *snapshot
		for _, m := range [...]map[string]*snapshot{h.snaps, h.metas} {
			for _, s := range m {
				if s.page != h.page && (oldest == nil || s.used < oldest.used) {
					oldest = s
				}
			}
		}
		if oldest == nil {
			break
		}
		h.drop(h.snaps[oldest.page])
		h.drop(h.metas[oldest.page])
	}
	if h.retained > limit && (len(h.tail) > 0 || !h.stale) {
		h.retained -= h.tailSize
		h.tail, h.tailSize, h.tailFrom = nil, 0, h.last+1
		h.base, h.baseMeta, h.stale = nil, nil, true
	}
	if h.retained > limit {
		h.drop(h.snaps[h.page])
		h.drop(h.metas[h.page])
	}
	if !h.asked && (h.stale || h.tailSize > h.needBytes) {
		h.asked = true
		return true
	}
	return false
}

// syncBacklog returns the frames that rebuild the view, led by a sync frame.
// mu is held.
func (h *Hub) syncBacklog() [][]byte {
	var pre []*snapshot
	if h.base != nil {
		pre = append(pre, h.base)
		if m := h.baseMeta; m != nil && m.seq < h.tailFrom {
			pre = append(pre, m)
		}
		slices.SortFunc(pre, func(a, b *snapshot) int { return cmp.Compare(a.seq, b.seq) })
	}
	tail := h.tail
	if h.stale {
		tail = nil
	}
	first := h.last + 1
	switch {
	case len(pre) > 0:
		first = pre[0].seq
	case len(tail) > 0:
		first = h.tailFrom
	}
	backlog := make([][]byte, 0, 1+len(pre)+len(tail))
	backlog = append(backlog, EncodeFrame(Header{Kind: KindSync, From: first}, nil))
	for _, s := range pre {
		backlog = append(backlog, s.data)
	}
	return append(backlog, tail...)
}
