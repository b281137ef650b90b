package assist

import "sync"

// durability tracks which of a live assist's frames are durable in its
// recording, so that acks can tell the person's SDK which frames it may
// drop from its resend buffer: those are safe even if the server is killed
// the next moment (docs/protocol.md, "Acknowledgements").
//
// The recording stores a prefix of what was written, a chunk at a time;
// a frame is durable once that prefix reaches the byte where the frame
// ends. A frame's end is read right after the hub accepted it, so it may
// include a later frame's bytes: that only makes the frame count as durable
// a chunk later, never too early.
type durability struct {
	mu      sync.Mutex
	marks   []mark // frames recorded, not yet durable, in the order noted
	durable int64  // bytes of the recording that are durable
	stored  uint64 // the highest sequence number that is durable
	wake    func() // asks the person's channel for an ack; nil when none
}

// mark is where in the recording the frame of seq ends.
type mark struct {
	end int64
	seq uint64
}

// recorded notes that the frame of seq was written and ends at byte end.
func (d *durability) recorded(seq uint64, end int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if end <= d.durable {
		d.stored = max(d.stored, seq)
		return
	}
	d.marks = append(d.marks, mark{end: end, seq: seq})
}

// durableTo takes the recording's report that n bytes are durable (it is
// the record.Writer's OnStored) and asks for an ack when that made more
// frames durable.
func (d *durability) durableTo(n int64) {
	d.mu.Lock()
	d.durable = max(d.durable, n)
	i := 0
	for ; i < len(d.marks) && d.marks[i].end <= d.durable; i++ {
		d.stored = max(d.stored, d.marks[i].seq)
	}
	if i > 0 {
		d.marks = append(d.marks[:0], d.marks[i:]...)
	}
	wake := d.wake
	d.mu.Unlock()
	if i > 0 && wake != nil {
		wake()
	}
}

// storedSeq returns the highest sequence number that is durable.
func (d *durability) storedSeq() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stored
}

// setWake sets what to call when more frames are durable: the person's
// channel's ack, which takes no lock of the assist (the recording reports
// while the assist's end holds it).
func (d *durability) setWake(wake func()) {
	d.mu.Lock()
	d.wake = wake
	d.mu.Unlock()
}
