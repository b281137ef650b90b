// Package screenmap validates a site's screen mapping (docs/native-screens.md,
// "Mapping"): how the tags of an app's view tree become elements of the
// snapshot the agent sees, and what the SDK masks on the device. The rules
// are those of web/shared/screenmap.ts, which the SDK applies again before
// use; both must accept and refuse the same mappings.
package screenmap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tandemhq/tandem"
)

// MaxBytes is the largest mapping accepted, as JSON.
const MaxBytes = 64 << 10

// Limits of a mapping (mappingLimits in web/shared/screenmap.ts).
const (
	maxTags    = 200
	maxClasses = 16
	maxStyles  = 32
	maxList    = 64
	maxName    = 64
	maxValue   = 256
)

// Elements are the HTML elements a mapping may name: no scripts, frames,
// links, media or forms that submit (allowedElements in screenmap.ts).
var Elements = []string{
	"div", "span", "p", "button", "input", "textarea", "label", "h1", "h2", "h3", "h4", "h5", "h6",
	"ul", "ol", "li", "section", "header", "footer", "nav", "main", "article", "aside", "strong", "em", "small", "hr",
}

var (
	nameRe  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.:-]*$`)
	classRe = regexp.MustCompile(`^[A-Za-z_-][A-Za-z0-9_-]*$`)
	propRe  = regexp.MustCompile(`^-?[a-z][a-z-]*$`)
	valueRe = regexp.MustCompile(`^[A-Za-z0-9#%.,()\s+/-]*$`)
	fnRe    = regexp.MustCompile(`(?i)(url|expression|image|image-set)\s*\(`)
)

// Rule is how one tag is drawn.
type Rule struct {
	Element string            `json:"element,omitempty"`
	Classes []string          `json:"classes,omitempty"`
	Style   map[string]string `json:"style,omitempty"`
	Text    string            `json:"text,omitempty"`
	Mask    *bool             `json:"mask,omitempty"`
}

// Mapping is a site's screen mapping.
type Mapping struct {
	Tags      map[string]Rule `json:"tags,omitempty"`
	MaskAttrs []string        `json:"maskAttrs,omitempty"`
	MaskTypes []string        `json:"maskTypes,omitempty"`
}

func invalid(format string, args ...any) error {
	return tandem.Errorf(tandem.EInvalid, "screen mapping: "+format, args...)
}

// Check parses and validates a mapping and returns it as compact JSON; an
// empty or null document is no mapping (""). Errors are tandem.EInvalid and
// name the first problem.
func Check(raw []byte) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if len(raw) > MaxBytes {
		return "", invalid("larger than %d bytes", MaxBytes)
	}
	if raw[0] != '{' {
		return "", invalid("must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		return "", invalid("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return "", invalid("text after the JSON object")
	}
	if err := m.check(); err != nil {
		return "", err
	}
	out, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("screen mapping: %w", err)
	}
	return string(out), nil
}

func (m *Mapping) check() error {
	if len(m.Tags) > maxTags {
		return invalid("tags: at most %d tags", maxTags)
	}
	tags := make([]string, 0, len(m.Tags))
	for t := range m.Tags {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	for _, tag := range tags {
		r := m.Tags[tag]
		at := "tags." + tag
		if len(tag) > maxName || !nameRe.MatchString(tag) {
			return invalid("%s: not a valid tag name", at)
		}
		if r.Element != "" && !slices.Contains(Elements, r.Element) {
			return invalid("%s.element: must be one of %s", at, strings.Join(Elements, ", "))
		}
		if err := names(r.Classes, at+".classes", classRe); err != nil {
			return err
		}
		if len(r.Classes) > maxClasses {
			return invalid("%s.classes: at most %d classes", at, maxClasses)
		}
		if len(r.Style) > maxStyles {
			return invalid("%s.style: at most %d properties", at, maxStyles)
		}
		for p, v := range r.Style {
			if !SafeProp(p) {
				return invalid("%s.style.%s: not a CSS property name", at, p)
			}
			if !SafeValue(v) {
				return invalid("%s.style.%s: not an allowed CSS value", at, p)
			}
		}
		if r.Text != "" && (len(r.Text) > maxName || !nameRe.MatchString(r.Text)) {
			return invalid("%s.text: must be an attribute name", at)
		}
	}
	if err := names(m.MaskAttrs, "maskAttrs", nameRe); err != nil {
		return err
	}
	return names(m.MaskTypes, "maskTypes", nameRe)
}

func names(list []string, what string, re *regexp.Regexp) error {
	if len(list) > maxList {
		return invalid("%s: at most %d names", what, maxList)
	}
	for i, n := range list {
		if len(n) > maxName || !re.MatchString(n) {
			return invalid("%s[%d]: not a valid name", what, i)
		}
	}
	return nil
}

// SafeProp reports whether p is a CSS property name a mapping may set.
func SafeProp(p string) bool {
	return len(p) <= maxName && propRe.MatchString(p)
}

// SafeValue reports whether v is a CSS value a mapping may set: no url(),
// expressions, escapes, quotes or further declarations.
func SafeValue(v string) bool {
	return len(v) <= maxValue && valueRe.MatchString(v) && !fnRe.MatchString(v)
}
