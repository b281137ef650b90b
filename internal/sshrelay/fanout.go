package sshrelay

import (
	"bytes"
	"strconv"
	"time"
)

// maxQueued bounds the output waiting for one helper. When a helper's
// queue is full, the host's output waits for them to make room (see
// waitRoom), as plain ssh would make it wait.
const maxQueued = 1 << 20

// viewportFrame is how often a helper whose window is smaller than the
// host's is redrawn (their view is rendered, not passed through).
const viewportFrame = 40 * time.Millisecond

// SkipNotice is the line a helper is shown where output they could not keep
// up with was skipped and their screen redrawn instead.
const SkipNotice = "[tandem: output skipped, screen redrawn]"

// output takes a chunk of the host's output: into the screen model, the
// recording and every helper's queue. A helper who keeps up gets every
// byte: when one's queue is full, the host's output waits until they make
// room, for at most Config.HelperStall; a helper who does not is skipped
// ahead (see skip) and not waited for again until they have caught up.
func (se *session) output(p []byte) {
	chunk := bytes.Clone(p)
	se.srv.obs.TerminalOutput(len(chunk))
	se.rec.output(chunk)
	var full []*helper
	se.mu.Lock()
	se.screen.Write(chunk)
	for h := range se.helpers {
		if !h.push(chunk) {
			full = append(full, h)
		}
	}
	se.mu.Unlock()
	for _, h := range full {
		se.waitRoom(h, chunk)
	}
}

// push queues chunk for h, or reports false when h's queue has no room for
// it; se.mu is held. A helper who lags is skipped ahead at once instead.
func (h *helper) push(chunk []byte) bool {
	switch {
	case h.viewport:
		h.dirty = true
	case h.resync:
		// A full redraw is coming; it will include this chunk.
	case h.queued+len(chunk) > maxQueued:
		if !h.lagging {
			return false
		}
		h.skip()
	default:
		h.queue = append(h.queue, chunk)
		h.queued += len(chunk)
	}
	h.signal()
	return true
}

// waitRoom waits until h has room for chunk and queues it there, or, when
// h makes no room within Config.HelperStall, skips h ahead. Only the
// session's output goroutine calls it, so every helper's stream stays in
// order while it waits.
func (se *session) waitRoom(h *helper, chunk []byte) {
	timer := time.NewTimer(se.srv.cfg.HelperStall)
	defer timer.Stop()
	for {
		select {
		case <-h.drained:
			se.mu.Lock()
			_, attached := se.helpers[h]
			ok := !attached || h.push(chunk)
			se.mu.Unlock()
			if ok {
				return
			}
		case <-timer.C:
			se.mu.Lock()
			if _, attached := se.helpers[h]; attached && !h.resync && !h.viewport {
				h.skip()
				h.signal()
			}
			se.mu.Unlock()
			return
		case <-h.done:
			return
		case <-se.ctx.Done():
			return
		}
	}
}

// skip drops h's queue: h is drawn the screen as it is now, after a notice
// that output was skipped, and is not waited for until it has caught up
// (written everything queued for it). se.mu is held.
func (h *helper) skip() {
	h.queue, h.queued = nil, 0
	h.resync, h.skipped, h.lagging = true, true, true
	h.se.srv.obs.TerminalResync()
}

func (h *helper) signal() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// fit chooses how h is drawn after a change of either window; se.mu is held.
func (h *helper) fit() {
	vp := !h.se.screen.Fits(h.cols, h.rows)
	if vp != h.viewport {
		h.viewport = vp
		h.resync = !vp
		h.dirty = vp
		h.queue, h.queued = nil, 0
		h.signal()
	}
}

// writeLoop drains h's queue into its sink. It is the only goroutine that
// writes to the helper; the host's output waits for it only while its queue
// is full, and for a bounded time (see output).
func (h *helper) writeLoop() {
	se := h.se
	var buf bytes.Buffer
	for {
		select {
		case <-h.wake:
		case <-h.done:
			return
		}
		buf.Reset()
		se.mu.Lock()
		viewport := h.viewport
		switch {
		case h.resync || (h.viewport && h.dirty):
			if h.skipped && !viewport {
				writeSkipNotice(&buf, h.rows)
			}
			v := se.screen.ViewFor(h.cols, h.rows)
			if !viewport {
				v = se.screen.Whole()
			}
			se.screen.Render(&buf, v)
			h.resync, h.dirty, h.skipped = false, false, false
		default:
			for _, c := range h.queue {
				buf.Write(c)
			}
		}
		h.queue, h.queued = nil, 0
		cols, rows := se.cols, se.rows
		se.mu.Unlock()
		select {
		case h.drained <- struct{}{}:
		default:
		}
		if ss, ok := h.out.(sizeSink); ok {
			if err := ss.hostSize(cols, rows); err != nil {
				se.detach(h)
				return
			}
		}
		if buf.Len() > 0 {
			if _, err := h.out.Write(buf.Bytes()); err != nil {
				se.detach(h)
				return
			}
			se.srv.obs.TerminalDelivered(buf.Len())
		}
		se.mu.Lock()
		if h.queued == 0 && !h.resync {
			h.lagging = false // caught up
		}
		se.mu.Unlock()
		if viewport {
			// Redraw at most once a frame: rendering costs more than
			// passing bytes through.
			select {
			case <-time.After(viewportFrame):
			case <-h.done:
				return
			}
		}
	}
}

// writeSkipNotice writes SkipNotice on a line of its own at the bottom of a
// terminal of rows rows, then scrolls it into the scrollback, where the
// skipped output would have been; the redraw that follows clears the
// screen.
func writeSkipNotice(b *bytes.Buffer, rows int) {
	b.WriteString("\x1b[0m\x1b[?1049l\x1b[r\x1b[" + strconv.Itoa(max(rows, 1)) + ";1H\r\n" + SkipNotice)
	for range max(rows, 1) {
		b.WriteString("\r\n")
	}
}
