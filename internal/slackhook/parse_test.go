package slackhook

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/botapi"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jsonRequest(body string) *http.Request {
	r := httptest.NewRequest("POST", "/hooks/x", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func formRequest(form url.Values) *http.Request {
	r := httptest.NewRequest("POST", "/hooks/x", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func rawFormRequest(body string) *http.Request {
	r := httptest.NewRequest("POST", "/hooks/x", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// JSON sent with a form's content type (curl -d '{…}' without -H), as
// Slack takes it, is read as JSON, whatever its text holds.
func TestParseJSONLabelledAsForm(t *testing.T) {
	for _, body := range []string{`{"text":"a=b & 100% done"}`, "  \n" + `{"text":"a=b & 100% done"}`} {
		m, err := Parse(rawFormRequest(body))
		if err != nil || m.Text != "a=b & 100% done" {
			t.Fatalf("Parse(%q) = %+v, %v", body, m, err)
		}
	}
	// A real form still needs its payload field.
	if _, err := Parse(rawFormRequest("text=hi")); !errors.Is(err, ErrInvalidPayload) {
		t.Fatalf("form without payload: %v", err)
	}
}

// Payloads as real tools send them become the blocks Tandem shows.
func TestParseRealPayloads(t *testing.T) {
	cases := []struct {
		file string
		want botapi.Message
	}{
		{"grafana.json", botapi.Message{Blocks: []botapi.Block{
			{Type: "section", Text: "*<https://grafana.example.com/alerting/list|[FIRING:1] HighCPU (node-1 prod)>*\n**Firing**\n\nValue: A=97.3\nLabels:\n - alertname = HighCPU\n - instance = node-1"},
			{Type: "context", Fields: []string{"Grafana v10.4.1"}},
		}}},
		{"alertmanager.json", botapi.Message{Blocks: []botapi.Block{
			{Type: "section", Text: "Production"},
			{Type: "section",
				Text:   "*<https://alertmanager.example.com/#/alerts?receiver=slack|[FIRING:2] InstanceDown>*\n*Alert:* InstanceDown - critical\n*Description:* node-1:9100 has been down for more than 5 minutes.",
				Fields: []string{"*severity*\ncritical", "*job*\nnode"}},
			{Type: "actions", Buttons: []botapi.Button{
				{Label: "Runbook :green_book:", URL: "https://runbooks.example.com/InstanceDown"},
				{Label: "Silence", URL: "https://alertmanager.example.com/#/silences/new"},
			}},
		}}},
		{"github.json", botapi.Message{Text: "Deploy of tandemhq/tandem finished: success", Blocks: []botapi.Block{
			{Type: "header", Text: "Deploy finished :rocket:"},
			{Type: "section",
				Text:   "*Repository:* tandemhq/tandem\n*Commit:* <https://github.com/tandemhq/tandem/commit/abc123|abc123>",
				Fields: []string{"*Workflow:*\ndeploy.yml", "*Status:*\nsuccess"}},
			{Type: "divider"},
			{Type: "image", ImageURL: "https://ci.example.com/graphs/deploy-42.png", AltText: "Deploy duration", Text: "Duration"},
			{Type: "context", Fields: []string{"octocat", "Triggered by octocat"}},
			{Type: "actions", Buttons: []botapi.Button{
				{Label: "View run", URL: "https://github.com/tandemhq/tandem/actions/runs/42", Style: "primary"},
				{Label: "Roll back", ActionID: "rollback", Value: "run-42", Style: "danger"},
			}},
			{Type: "section", Text: "Changelog: <https://github.com/tandemhq/tandem/releases|releases>\nfaster fan-out :tada:"},
		}}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			body := readTestdata(t, c.file)
			for name, r := range map[string]*http.Request{
				"json": jsonRequest(body),
				"form": formRequest(url.Values{"payload": {body}}),
			} {
				got, err := Parse(r)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !reflect.DeepEqual(got, c.want) {
					g, _ := json.MarshalIndent(got, "", " ")
					w, _ := json.MarshalIndent(c.want, "", " ")
					t.Fatalf("%s: got\n%s\nwant\n%s", name, g, w)
				}
			}
		})
	}
}

func TestParseSmallPayloads(t *testing.T) {
	cases := []struct {
		name, body string
		want       botapi.Message
	}{
		{"text", `{"text":"Hello, world."}`, botapi.Message{Text: "Hello, world."}},
		{"mrkdwn kept", `{"text":"*bold* <https://x.example|link> <!channel>","mrkdwn":false}`, botapi.Message{Text: "*bold* <https://x.example|link> <!channel>"}},
		{"identity ignored", `{"text":"hi","username":"ci","icon_emoji":":robot:","channel":"#general"}`, botapi.Message{Text: "hi"}},
		{"blocks without text", `{"blocks":[{"type":"divider"}]}`, botapi.Message{Blocks: []botapi.Block{{Type: "divider"}}}},
		{"markdown block", `{"blocks":[{"type":"markdown","text":"**hi**"}]}`, botapi.Message{Blocks: []botapi.Block{{Type: "section", Text: "**hi**"}}}},
		{"fallback only", `{"attachments":[{"fallback":"Build 7 failed","color":"danger"}]}`, botapi.Message{Blocks: []botapi.Block{{Type: "section", Text: "Build 7 failed"}}}},
		{"attachment blocks", `{"attachments":[{"color":"good","blocks":[{"type":"section","text":{"type":"plain_text","text":"ok"}}]}]}`,
			botapi.Message{Blocks: []botapi.Block{{Type: "section", Text: "ok"}}}},
		{"button without action id", `{"blocks":[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Ack"},"value":"a1"}]}]}`,
			botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "Ack", ActionID: "Ack", Value: "a1"}}}}}},
		{"selects only", `{"text":"t","blocks":[{"type":"actions","elements":[{"type":"datepicker","action_id":"d"}]}]}`, botapi.Message{Text: "t"}},
		{"input ignored", `{"text":"t","blocks":[{"type":"input","element":{"type":"plain_text_input"},"label":{"type":"plain_text","text":"x"}}]}`, botapi.Message{Text: "t"}},
		{"many fields", `{"attachments":[{"title":"T","fields":[` + strings.Repeat(`{"title":"a","value":"1"},`, 11) + `{"title":"a","value":"1"}]}]}`,
			botapi.Message{Blocks: []botapi.Block{
				{Type: "section", Text: "*T*", Fields: strings.Split(strings.Repeat("*a*\n1,", 10), ",")[:10]},
				{Type: "section", Fields: []string{"*a*\n1", "*a*\n1"}},
			}}},
		{"http image as a link", `{"blocks":[{"type":"image","image_url":"http://grafana.local/render/1.png","alt_text":"CPU"}]}`,
			botapi.Message{Blocks: []botapi.Block{{Type: "section", Text: "<http://grafana.local/render/1.png|CPU>"}}}},
		{"long alt text cut", `{"blocks":[{"type":"image","image_url":"https://x.example/a.png","alt_text":"` + strings.Repeat("é", 200) + `"}]}`,
			botapi.Message{Blocks: []botapi.Block{{Type: "image", ImageURL: "https://x.example/a.png", AltText: strings.Repeat("é", 150)}}}},
		{"link button drops its action", `{"blocks":[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Open"},"url":"https://x.example","action_id":"open","value":"v"}]}]}`,
			botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "Open", URL: "https://x.example"}}}}}},
		{"long attachment text split at lines", `{"attachments":[{"text":"` + strings.Repeat(strings.Repeat("x", 99)+`\n`, 40) + `"}]}`,
			botapi.Message{Blocks: []botapi.Block{
				{Type: "section", Text: strings.TrimSuffix(strings.Repeat(strings.Repeat("x", 99)+"\n", 30), "\n")},
				{Type: "section", Text: strings.TrimSuffix(strings.Repeat(strings.Repeat("x", 99)+"\n", 10), "\n")},
			}}},
		{"multi-byte section split", `{"blocks":[{"type":"section","text":{"type":"plain_text","text":"` + strings.Repeat("é", 2000) + `"}}]}`,
			botapi.Message{Blocks: []botapi.Block{
				{Type: "section", Text: strings.Repeat("é", 1500)},
				{Type: "section", Text: strings.Repeat("é", 500)},
			}}},
		{"text at the limit", `{"text":"` + strings.Repeat("a", MaxText) + `"}`, botapi.Message{Text: strings.Repeat("a", MaxText)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(jsonRequest(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	many := func(n int, item string) string { return strings.TrimSuffix(strings.Repeat(item+",", n), ",") }
	cases := []struct {
		name string
		req  *http.Request
		want *Error
	}{
		{"not JSON", jsonRequest(`text=hi`), ErrInvalidPayload},
		{"JSON array", jsonRequest(`["hi"]`), ErrInvalidPayload},
		{"two values", jsonRequest(`{"text":"a"} {"text":"b"}`), ErrInvalidPayload},
		{"text not a string", jsonRequest(`{"text":5}`), ErrInvalidPayload},
		{"empty object", jsonRequest(`{}`), ErrNoText},
		{"blank text", jsonRequest(`{"text":"  \n"}`), ErrNoText},
		{"empty attachment", jsonRequest(`{"attachments":[{"color":"good"}]}`), ErrNoText},
		{"text too long", jsonRequest(`{"text":"` + strings.Repeat("a", MaxText+1) + `"}`), ErrMsgTooLong},
		{"too many attachments", jsonRequest(`{"attachments":[` + many(MaxAttachments+1, `{"text":"a"}`) + `]}`), ErrTooManyAttachments},
		{"too many blocks", jsonRequest(`{"blocks":[` + many(MaxBlocks+1, `{"type":"divider"}`) + `]}`), ErrInvalidBlocks},
		{"attachments past the blocks", jsonRequest(`{"attachments":[` + many(26, `{"text":"a","footer":"f"}`) + `]}`), ErrInvalidBlocks},
		{"block not an object", jsonRequest(`{"blocks":["divider"]}`), ErrInvalidBlocks},
		{"block without type", jsonRequest(`{"blocks":[{"text":{"type":"plain_text","text":"x"}}]}`), ErrInvalidBlocks},
		{"unknown block", jsonRequest(`{"blocks":[{"type":"carousel"}]}`), ErrInvalidBlocks},
		{"empty section", jsonRequest(`{"blocks":[{"type":"section"}]}`), ErrInvalidBlocks},
		{"section text not an object", jsonRequest(`{"blocks":[{"type":"section","text":"hi"}]}`), ErrInvalidBlocks},
		{"section text bad type", jsonRequest(`{"blocks":[{"type":"section","text":{"type":"html","text":"<b>x</b>"}}]}`), ErrInvalidBlocks},
		{"section text too long", jsonRequest(`{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"` + strings.Repeat("é", maxSectionText+1) + `"}}]}`), ErrInvalidBlocks},
		{"too many fields", jsonRequest(`{"blocks":[{"type":"section","fields":[` + many(11, `{"type":"mrkdwn","text":"f"}`) + `]}]}`), ErrInvalidBlocks},
		{"header too long", jsonRequest(`{"blocks":[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("h", maxHeaderText+1) + `"}}]}`), ErrInvalidBlocks},
		{"header without text", jsonRequest(`{"blocks":[{"type":"header"}]}`), ErrInvalidBlocks},
		{"image without url", jsonRequest(`{"blocks":[{"type":"image","alt_text":"x"}]}`), ErrInvalidBlocks},
		{"image javascript url", jsonRequest(`{"blocks":[{"type":"image","image_url":"javascript:alert(1)","alt_text":"x"}]}`), ErrInvalidBlocks},
		{"image data url", jsonRequest(`{"blocks":[{"type":"image","image_url":"data:image/png;base64,AAAA","alt_text":"x"}]}`), ErrInvalidBlocks},
		{"button javascript url", jsonRequest(`{"blocks":[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"url":"javascript:alert(1)"}]}]}`), ErrInvalidBlocks},
		{"button without text", jsonRequest(`{"blocks":[{"type":"actions","elements":[{"type":"button","url":"https://x.example"}]}]}`), ErrInvalidBlocks},
		{"button bad style", jsonRequest(`{"blocks":[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"style":"blink"}]}]}`), ErrInvalidBlocks},
		{"button label too long", jsonRequest(`{"blocks":[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"` + strings.Repeat("b", maxButtonText+1) + `"}}]}]}`), ErrInvalidBlocks},
		{"empty actions", jsonRequest(`{"blocks":[{"type":"actions","elements":[]}]}`), ErrInvalidBlocks},
		{"context with a button", jsonRequest(`{"blocks":[{"type":"context","elements":[{"type":"button","text":{"type":"plain_text","text":"x"}}]}]}`), ErrInvalidBlocks},
		{"legacy javascript action", jsonRequest(`{"attachments":[{"text":"a","actions":[{"type":"button","text":"x","url":"javascript:alert(1)"}]}]}`), ErrInvalidBlocks},
		{"legacy image javascript", jsonRequest(`{"attachments":[{"text":"a","image_url":"javascript:alert(1)"}]}`), ErrInvalidBlocks},
		{"form without payload", formRequest(url.Values{"text": {"hi"}}), ErrInvalidPayload},
		{"form payload not JSON", formRequest(url.Values{"payload": {"hi"}}), ErrInvalidPayload},
		{"body too large", jsonRequest(`{"text":"` + strings.Repeat("a", MaxBody) + `"}`), ErrTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(c.req)
			if !errors.Is(err, c.want) {
				t.Fatalf("Parse = %+v, %v; want %s", m, err, c.want.Code)
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != c.want.Status || e.Detail == "" {
				t.Fatalf("error %#v: want status %d and a detail", err, c.want.Status)
			}
		})
	}
}
