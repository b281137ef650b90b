package bench

import (
	"bytes"
	"slices"
	"strconv"
	"time"
)

// EventPayload returns an `ev` payload of exactly size bytes (at least
// about 90): a JSON array with one incremental rrweb event, padded with
// text, as a page's mutations look on the wire.
func EventPayload(size int) []byte {
	const head = `[{"type":3,"data":{"source":0,"texts":[{"id":42,"value":"`
	const tail = `"}],"attributes":[],"removes":[],"adds":[]},"timestamp":1700000000000}]`
	return padded(head, tail, size)
}

// SnapshotPayload returns a `snap` payload of exactly size bytes (at least
// about 340): a Meta and a FullSnapshot rrweb event whose page holds one
// text node padded to size.
func SnapshotPayload(size int) []byte {
	const head = `[{"type":4,"data":{"href":"https://shop.example.com/cart","width":1280,"height":800},"timestamp":1700000000000},` +
		`{"type":2,"data":{"node":{"type":0,"id":1,"childNodes":[{"type":2,"id":2,"tagName":"body","attributes":{},` +
		`"childNodes":[{"type":3,"id":3,"textContent":"`
	const tail = `"}]}]},"initialOffset":{"left":0,"top":0}},"timestamp":1700000000000}]`
	return padded(head, tail, size)
}

func padded(head, tail string, size int) []byte {
	return appendPadded(nil, head, tail, size)
}

// appendPadded appends head, then 'x' up to size bytes in all, then tail.
func appendPadded(b []byte, head, tail string, size int) []byte {
	n := max(size-len(head)-len(tail), 0)
	b = slices.Grow(b, len(head)+n+len(tail))
	b = append(b, head...)
	for range n {
		b = append(b, 'x')
	}
	return append(b, tail...)
}

// The latency payload is a custom rrweb event whose "sent" field holds the
// send time, in nanoseconds since a clock base of the measuring process, as
// a fixed-width decimal string so that every frame has the same size.
const (
	sentKey   = `"sent":"`
	sentWidth = 19
)

// appendTimedPayload appends an `ev` payload of about size bytes carrying
// sent to b, without garbage when b has room.
func appendTimedPayload(b []byte, size int, sent time.Duration) []byte {
	const head = `[{"type":5,"timestamp":1700000000000,"data":{"tag":"bench","payload":{` + sentKey
	start := len(b)
	var digits [sentWidth]byte
	n := strconv.AppendInt(digits[:0], int64(sent), 10)
	b = append(b, head...)
	for range sentWidth - len(n) {
		b = append(b, '0')
	}
	b = append(b, n...)
	return appendPadded(b, `","pad":"`, `"}}}]`, size-(len(b)-start))
}

// sentTime reads the send time out of a frame carrying a timed payload.
func sentTime(frame []byte) (time.Duration, bool) {
	i := bytes.Index(frame, []byte(sentKey))
	if i < 0 || len(frame) < i+len(sentKey)+sentWidth {
		return 0, false
	}
	i += len(sentKey)
	n, err := strconv.ParseInt(string(frame[i:i+sentWidth]), 10, 64)
	return time.Duration(n), err == nil
}

// isEv reports whether a frame is an `ev` data frame as simclient writes
// them (its header's first field is the kind).
func isEv(frame []byte) bool {
	return bytes.HasPrefix(frame, []byte(`{"k":"ev"`))
}
