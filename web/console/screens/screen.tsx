// Screen mappings (docs/native-screens.md): per site, how the SDK draws and
// masks a screen an app describes as a view tree. Admins edit them here;
// the text is checked as it is typed, and the server checks it again.

import { useEffect, useState } from "preact/hooks";
import { api, call, type Site } from "../../shared/api";
import { checkText, textOf } from "./mapping";

const example = `{
  "tags": {
    "Button": {"element": "button", "text": "label"},
    "Field": {"element": "input", "text": "value"}
  },
  "maskTypes": ["password"]
}`;

/** The screen mapping editor. */
export function ScreenMappingScreen() {
  const [sites, setSites] = useState<Site[]>([]);
  const [site, setSite] = useState("");
  const [text, setText] = useState("");
  const [notice, setNotice] = useState("");
  const [error, setError] = useState("");
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    api.sites().then(
      (r) => {
        setSites(r.sites);
        if (r.sites[0]) setSite(r.sites[0].id);
      },
      (e) => setError(String(e instanceof Error ? e.message : e)),
    );
  }, []);
  useEffect(() => {
    if (!site) return;
    setNotice("");
    setError("");
    call<{ mapping: unknown }>("GET", `/sites/${encodeURIComponent(site)}/screen-mapping`).then(
      (r) => setText(textOf(r.mapping)),
      (e) => setError(String(e instanceof Error ? e.message : e)),
    );
  }, [site]);

  const checked = checkText(text);
  const save = async () => {
    if (!checked.ok) return;
    setSaving(true);
    setNotice("");
    setError("");
    try {
      const r = await call<{ mapping: unknown }>("PUT", `/sites/${encodeURIComponent(site)}/screen-mapping`, { mapping: checked.mapping });
      setText(textOf(r.mapping));
      setNotice("Saved. Assists that start from now on use it.");
    } catch (e) {
      setError(String(e instanceof Error ? e.message : e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div class="screen">
      <header class="screen-head">
        <div>
          <h1>Screen mapping</h1>
          <div class="sub">How apps that draw their own UI (canvas, native) show to agents, and what their SDK masks on the device.</div>
        </div>
        <div class="head-actions">
          <select class="filter" aria-label="Site" data-testid="mapping-site" value={site} onChange={(e) => setSite((e.currentTarget as HTMLSelectElement).value)}>
            {sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name || s.key}
              </option>
            ))}
          </select>
        </div>
      </header>
      <div class="screen-body">
        <textarea
          class="mapping-editor"
          aria-label="Screen mapping (JSON)"
          data-testid="mapping-text"
          spellcheck={false}
          rows={18}
          style={{ width: "100%", fontFamily: "ui-monospace, monospace" }}
          placeholder={example}
          value={text}
          onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
        />
        <p role="status" data-testid="mapping-check" class={checked.ok ? "sub" : "error"}>
          {checked.ok ? (checked.mapping === null ? "No mapping: every tag is drawn as a box, passwords are masked." : "Valid mapping.") : checked.error}
        </p>
        {error && (
          <p role="alert" class="error" data-testid="mapping-error">
            {error}
          </p>
        )}
        {notice && <p data-testid="mapping-notice">{notice}</p>}
        <button class="btn primary" data-testid="mapping-save" disabled={!site || !checked.ok || saving} onClick={() => void save()}>
          Save
        </button>
      </div>
    </div>
  );
}
