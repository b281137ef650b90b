package screenmap

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
)

func TestCheckAcceptsAndNormalizes(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{" null ", ""},
		{`{}`, `{}`},
		{`{"tags": {"Button": {"element": "button", "classes": ["btn"], "style": {"font-weight": "600"}, "text": "label"}},
		  "maskAttrs": ["hint"], "maskTypes": ["password"]}`,
			`{"tags":{"Button":{"element":"button","classes":["btn"],"style":{"font-weight":"600"},"text":"label"}},"maskAttrs":["hint"],"maskTypes":["password"]}`},
		{`{"tags": {"Pin": {"mask": true}, "Note": {"mask": false}}}`, `{"tags":{"Note":{"mask":false},"Pin":{"mask":true}}}`},
	}
	for _, c := range cases {
		got, err := Check([]byte(c.in))
		if err != nil || got != c.want {
			t.Errorf("Check(%s) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	cases := []struct{ in, want string }{
		{`[]`, "must be a JSON object"},
		{`{"colors": {}}`, `unknown field "colors"`},
		{`{"tags": {"B": {"element": "script"}}}`, "tags.B.element: must be one of"},
		{`{"tags": {"B": {"element": "iframe"}}}`, "must be one of"},
		{`{"tags": {"B": {"style": {"background": "url(x)"}}}}`, "tags.B.style.background: not an allowed CSS value"},
		{`{"tags": {"B": {"style": {"background": "red;position:fixed"}}}}`, "not an allowed CSS value"},
		{`{"tags": {"B": {"style": {"x;y": "1"}}}}`, "not a CSS property name"},
		{`{"tags": {"B": {"classes": ["a b"]}}}`, "tags.B.classes[0]"},
		{`{"tags": {"B": {"mask": "yes"}}}`, "cannot unmarshal"},
		{`{"tags": {"1x": {}}}`, "not a valid tag name"},
		{`{"maskAttrs": "value"}`, "cannot unmarshal"},
		{`{"maskTypes": ["a b"]}`, "maskTypes[0]"},
		{`{} {}`, "text after"},
		{`{"tags": {"B": {"text": "<x>"}}}`, "tags.B.text"},
		{"{" + strings.Repeat(" ", MaxBytes) + "}", "larger than"},
	}
	for _, c := range cases {
		got, err := Check([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) || tandem.ErrorCode(err) != tandem.EInvalid || got != "" {
			t.Errorf("Check(%.60s) = %q, %v; want EInvalid containing %q", c.in, got, err, c.want)
		}
	}
}
