package hub

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/tandemhq/tandem"
)

// rrweb event types that data frames carry (docs/protocol.md).
const (
	eventFullSnapshot = 2
	eventIncremental  = 3
	eventMeta         = 4
	eventCustom       = 5
)

// CheckPayload reports whether a data frame's payload is what its kind
// says (docs/protocol.md): a meta frame's is a JSON object of the page's
// url, title, pageId and viewport; a snap frame's a JSON array of rrweb
// events that starts with a Meta and a FullSnapshot event; a ref frame's
// an array of one Meta event; an ev frame's an array of incremental and
// custom events; a leave frame has none. The recording stores payloads as
// they are and replays them as JSON, so anything else must be refused
// before it is relayed or recorded. Errors are *tandem.Error with code
// tandem.EBadProtocol.
//
// It costs one pass over the payload, on the writer's own goroutine, at
// about four times the speed of encoding/json's Valid: snapshots run to
// megabytes.
func CheckPayload(kind string, payload []byte) error {
	if kind == KindLeave {
		if len(bytes.TrimSpace(payload)) > 0 {
			return badPayload(kind, "has no payload")
		}
		return nil
	}
	switch kind {
	case KindMeta:
		var m struct {
			URL      string `json:"url"`
			Title    string `json:"title"`
			PageID   string `json:"pageId"`
			Viewport *struct {
				Width  float64 `json:"width"`
				Height float64 `json:"height"`
				DPR    float64 `json:"dpr"`
			} `json:"viewport"`
		}
		if firstByte(payload) != '{' || json.Unmarshal(payload, &m) != nil {
			return badPayload(kind, `must be {"url","title","pageId","viewport":{"width","height","dpr"}}`)
		}
		return nil
	case KindSnap:
		return walkEvents(payload, func(i, typ int) bool {
			return (i == 0 && typ == eventMeta) || (i == 1 && typ == eventFullSnapshot) || i > 1
		}, 2, -1, kind, "must be an array of rrweb events starting with a Meta (4) and a FullSnapshot (2)")
	case KindRef:
		return walkEvents(payload, func(_, typ int) bool { return typ == eventMeta },
			1, 1, kind, "must be an array of one rrweb Meta event (4)")
	case KindEv:
		return walkEvents(payload, func(_, typ int) bool { return typ == eventIncremental || typ == eventCustom },
			0, -1, kind, "must be an array of rrweb incremental (3) and custom (5) events")
	}
	return tandem.Errorf(tandem.EBadProtocol, "unknown data frame kind %q", kind)
}

func badPayload(kind, what string) error {
	return tandem.Errorf(tandem.EBadProtocol, "the payload of a %s frame %s", kind, what)
}

// walkEvents checks that payload is valid JSON, and an array of at least
// least and at most most (-1: any) objects whose "type" each passes ok.
func walkEvents(payload []byte, ok func(i, typ int) bool, least, most int, kind, want string) error {
	s := scanner{b: payload}
	s.space()
	if !s.next('[') {
		return s.fail(kind, want)
	}
	n := 0
	s.space()
	if !s.next(']') {
		for {
			s.space()
			typ, isObject := s.event()
			if !isObject || !ok(n, typ) {
				return s.fail(kind, want)
			}
			n++
			s.space()
			if s.next(']') {
				break
			}
			if !s.next(',') {
				return s.fail(kind, want)
			}
		}
	}
	s.space()
	if s.i != len(s.b) || s.bad {
		return s.fail(kind, want)
	}
	if n < least || (most >= 0 && n > most) {
		return badPayload(kind, want)
	}
	return nil
}

// fail tells JSON that is not valid from JSON of the wrong shape.
func (s *scanner) fail(kind, want string) error {
	if s.bad || !s.rest() {
		return badPayload(kind, "is not JSON")
	}
	return badPayload(kind, want)
}

// rest validates the rest of the input as if the value at s.i were the top:
// used only to word an error.
func (s *scanner) rest() bool {
	return validJSON(s.b)
}

// validJSON reports whether b is one JSON value, as encoding/json's Valid
// does (which accepts invalid UTF-8 in strings: check that apart).
func validJSON(b []byte) bool {
	s := scanner{b: b}
	s.space()
	ok := s.value()
	s.space()
	return ok && !s.bad && s.i == len(s.b)
}

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

// scanner validates JSON in one pass without allocating.
type scanner struct {
	b     []byte
	i     int
	depth int
	bad   bool // set when invalid JSON was seen
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) next(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// event reads an object and returns its "type" member when that is an
// integer (-1 otherwise); isObject is false for anything else, and for
// invalid JSON.
func (s *scanner) event() (typ int, isObject bool) {
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return -1, false
	}
	s.i++
	typ = -1
	s.space()
	if s.next('}') {
		return typ, true
	}
	for {
		s.space()
		start := s.i
		if !s.string() {
			return -1, false
		}
		key := s.b[start:s.i]
		s.space()
		if !s.next(':') {
			return -1, false
		}
		s.space()
		start = s.i
		if !s.value() {
			return -1, false
		}
		if isKey(key, "type") {
			typ = -1
			if n, err := strconv.Atoi(string(s.b[start:s.i])); err == nil {
				typ = n
			}
		}
		s.space()
		if s.next('}') {
			return typ, true
		}
		if !s.next(',') {
			s.bad = true
			return -1, false
		}
	}
}

// isKey reports whether the raw JSON string key (quotes included) names
// want, also when written with escapes, as JSON.parse would read it.
func isKey(key []byte, want string) bool {
	if bytes.IndexByte(key, '\\') < 0 {
		return len(key) == len(want)+2 && string(key[1:len(key)-1]) == want
	}
	var s string
	return json.Unmarshal(key, &s) == nil && s == want
}

// value validates one value at s.i.
func (s *scanner) value() bool {
	if s.i >= len(s.b) {
		s.bad = true
		return false
	}
	var ok bool
	switch c := s.b[s.i]; {
	case c == '"':
		ok = s.string()
	case c == '{' || c == '[':
		ok = s.container(c)
	case c == 't':
		ok = s.literal("true")
	case c == 'f':
		ok = s.literal("false")
	case c == 'n':
		ok = s.literal("null")
	default:
		ok = s.number()
	}
	if !ok {
		s.bad = true
	}
	return ok
}

// container validates an object or array.
func (s *scanner) container(open byte) bool {
	if s.depth >= maxDepth {
		return false
	}
	s.depth++
	ok := s.members(open)
	s.depth--
	return ok
}

// members validates what follows an object's or array's opening.
func (s *scanner) members(open byte) bool {
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	s.i++
	s.space()
	if s.next(closing) {
		return true
	}
	for {
		s.space()
		if open == '{' {
			if !s.string() {
				return false
			}
			s.space()
			if !s.next(':') {
				return false
			}
			s.space()
		}
		if !s.value() {
			return false
		}
		s.space()
		if s.next(closing) {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// string validates a string at s.i; the quotes are included.
func (s *scanner) string() bool {
	if !s.next('"') {
		s.bad = true
		return false
	}
	b := s.b
	for i := s.i; i < len(b); {
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return true
		case c == '\\':
			if i+1 >= len(b) {
				s.bad = true
				return false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					s.bad = true
					return false
				}
				i += 6
			default:
				s.bad = true
				return false
			}
		case c < 0x20:
			s.bad = true
			return false
		default:
			i++
		}
	}
	s.bad = true
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (s *scanner) literal(word string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return false
	}
	s.i += len(word)
	return true
}

// number validates a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	s.next('-')
	switch {
	case s.next('0'):
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.next('.') && !s.digits() {
		return false
	}
	if s.next('e') || s.next('E') {
		if !s.next('+') {
			s.next('-')
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits reads one or more digits.
func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}
