package hub

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/protocol"
)

// MaxHeaderBytes bounds a frame's header, the JSON before the first newline.
const MaxHeaderBytes = 512

// Frame kinds the hub treats specially (see docs/protocol.md).
const (
	KindMeta  = protocol.KindMeta  // data: a page's URL, title and viewport
	KindSnap  = protocol.KindSnap  // data: a page's full snapshot
	KindRef   = protocol.KindRef   // data: "the snapshot you have under p/h"
	KindEv    = protocol.KindEv    // data: incremental events
	KindLeave = protocol.KindLeave // data: the person left page p
	KindSync  = protocol.KindSync  // control: the frames that follow rebuild the view
)

// Header is the small JSON envelope that starts every frame. The hub reads
// only this; payloads are forwarded byte for byte.
type Header struct {
	Kind string `json:"k"`
	Seq  uint64 `json:"s,omitempty"`
	Page string `json:"p,omitempty"`
	Hash string `json:"h,omitempty"`
	T    int64  `json:"t,omitempty"`
	Ack  uint64 `json:"ack,omitempty"`
	// Stored is the last sequence number whose frame is durable in the
	// recording (welcome and ack frames); Ack may be ahead of it.
	Stored uint64 `json:"stored,omitempty"`
	From   uint64 `json:"from,omitempty"`
}

// ParseHeader decodes the header of frame: the bytes before the first
// newline, or the whole frame if it has none. It accepts exactly what
// encoding/json would decode into a Header; the common shape is decoded by
// hand because it runs for every frame. Errors are *tandem.Error with code
// tandem.EBadProtocol.
func ParseHeader(frame []byte) (Header, error) {
	end := bytes.IndexByte(frame[:min(len(frame), MaxHeaderBytes+1)], '\n')
	if end < 0 {
		end = len(frame)
	}
	if end > MaxHeaderBytes {
		return Header{}, tandem.Errorf(tandem.EBadProtocol, "frame header longer than %d bytes", MaxHeaderBytes)
	}
	hdr := frame[:end]
	h, ok := parseFast(hdr)
	if !ok {
		// A variable of its own, so that only this path allocates it.
		var slow Header
		if err := json.Unmarshal(hdr, &slow); err != nil {
			return Header{}, tandem.Errorf(tandem.EBadProtocol, "malformed frame header: %v", err)
		}
		h = slow
	}
	if h.Kind == "" {
		return Header{}, tandem.Errorf(tandem.EBadProtocol, "frame header without a kind")
	}
	return h, nil
}

// EncodeFrame returns h as JSON, then a newline and payload if there is one.
func EncodeFrame(h Header, payload []byte) []byte {
	b := make([]byte, 0, 64+len(payload))
	b = append(b, `{"k":`...)
	b = appendString(b, h.Kind)
	if h.Seq != 0 {
		b = append(b, `,"s":`...)
		b = strconv.AppendUint(b, h.Seq, 10)
	}
	if h.Page != "" {
		b = append(b, `,"p":`...)
		b = appendString(b, h.Page)
	}
	if h.Hash != "" {
		b = append(b, `,"h":`...)
		b = appendString(b, h.Hash)
	}
	if h.T != 0 {
		b = append(b, `,"t":`...)
		b = strconv.AppendInt(b, h.T, 10)
	}
	if h.Ack != 0 {
		b = append(b, `,"ack":`...)
		b = strconv.AppendUint(b, h.Ack, 10)
	}
	// An ack or welcome always says what is stored, 0 included: the SDK
	// reads a missing "stored" as "stored = ack" (servers from before
	// durable acks), and would drop frames that are only in memory.
	if h.Stored != 0 || h.Kind == protocol.KindAck || h.Kind == protocol.KindWelcome {
		b = append(b, `,"stored":`...)
		b = strconv.AppendUint(b, h.Stored, 10)
	}
	if h.From != 0 {
		b = append(b, `,"from":`...)
		b = strconv.AppendUint(b, h.From, 10)
	}
	b = append(b, '}')
	if len(payload) > 0 {
		b = append(b, '\n')
		b = append(b, payload...)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// parseFast decodes the usual header: a flat object of known keys whose
// values are plain ASCII strings and integers. It reports !ok for anything
// else (escapes, floats, nested values, keys encoding/json would match
// case-insensitively, bad syntax), and ParseHeader then asks encoding/json,
// which also gives the error message.
func parseFast(b []byte) (h Header, ok bool) {
	p := fastParser{b: b}
	p.space()
	if !p.byte('{') {
		return h, false
	}
	if p.end() {
		return h, p.i == len(p.b)
	}
	for {
		p.space()
		key, ok := p.str()
		if !ok {
			return h, false
		}
		p.space()
		if !p.byte(':') {
			return h, false
		}
		p.space()
		switch key {
		case "k":
			h.Kind, ok = p.kind()
		case "p":
			h.Page, ok = p.str()
		case "h":
			h.Hash, ok = p.str()
		case "s":
			h.Seq, ok = p.uint()
		case "ack":
			h.Ack, ok = p.uint()
		case "from":
			h.From, ok = p.uint()
		case "stored":
			h.Stored, ok = p.uint()
		case "t":
			h.T, ok = p.int()
		default:
			ok = !foldsToField(key) && p.skipScalar()
		}
		if !ok {
			return h, false
		}
		if p.end() {
			return h, p.i == len(p.b)
		}
		if !p.byte(',') {
			return h, false
		}
	}
}

// foldsToField reports whether encoding/json would match key to a field of
// Header, which it does case-insensitively.
func foldsToField(key string) bool {
	for _, f := range [...]string{"k", "s", "p", "h", "t", "ack", "stored", "from"} {
		if strings.EqualFold(key, f) {
			return true
		}
	}
	return false
}

type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r':
			p.i++
		default:
			return
		}
	}
}

// end reads the object's closing brace and the white space after it,
// reporting whether it was there.
func (p *fastParser) end() bool {
	p.space()
	if !p.byte('}') {
		return false
	}
	p.space()
	return true
}

func (p *fastParser) byte(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string of printable ASCII without escapes.
func (p *fastParser) str() (string, bool) {
	b, ok := p.strBytes()
	return string(b), ok
}

// kind reads a frame kind, without allocating for the common ones.
func (p *fastParser) kind() (string, bool) {
	b, ok := p.strBytes()
	switch string(b) {
	case KindEv:
		return KindEv, ok
	case KindSnap:
		return KindSnap, ok
	case KindMeta:
		return KindMeta, ok
	case KindRef:
		return KindRef, ok
	case KindLeave:
		return KindLeave, ok
	}
	return string(b), ok
}

func (p *fastParser) strBytes() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			b := p.b[start:p.i]
			p.i++
			return b, true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// digits reads a JSON integer's digits: no leading zero, at most 18 digits
// so that it cannot overflow; the rare longer number goes the slow way.
func (p *fastParser) digits() (uint64, bool) {
	start := p.i
	var n uint64
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		n = n*10 + uint64(p.b[p.i]-'0')
		p.i++
	}
	l := p.i - start
	if l == 0 || l > 18 || (l > 1 && p.b[start] == '0') {
		return 0, false
	}
	// A fraction or exponent makes it a number encoding/json will not put
	// in an integer field.
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	return n, true
}

func (p *fastParser) uint() (uint64, bool) {
	return p.digits()
}

func (p *fastParser) int() (int64, bool) {
	neg := p.byte('-')
	n, ok := p.digits()
	if neg {
		return -int64(n), ok
	}
	return int64(n), ok
}

// skipScalar skips the value of an unknown key: a plain string, an
// integer, true or false. (null, floats and nested values go the slow way.)
func (p *fastParser) skipScalar() bool {
	if p.i >= len(p.b) {
		return false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		_, ok := p.str()
		return ok
	case c == '-' || (c >= '0' && c <= '9'):
		_, ok := p.int()
		return ok
	case bytes.HasPrefix(p.b[p.i:], []byte("true")):
		p.i += 4
		return true
	case bytes.HasPrefix(p.b[p.i:], []byte("false")):
		p.i += 5
		return true
	}
	return false
}
