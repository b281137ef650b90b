// The fields of a bot, shared by the create dialog and the bot page: name,
// description, avatar, URLs and the scopes its token carries.

import { scopes } from "./scopes";
import type { BotFields } from "./api";

/** The name rule of the server: what @-mentions use. */
export const botNamePattern = "[a-z0-9_-]{1,32}";

/** Checks the fields before sending; returns what is wrong, or null. */
export function checkBotFields(f: BotFields): string | null {
  if (!new RegExp(`^${botNamePattern}$`).test(f.name)) return "The name is 1 to 32 lower-case letters, digits, - or _: it is what @-mentions use.";
  for (const [label, u] of [["URL", f.url], ["Interface URL", f.interfaceUrl ?? ""], ["Avatar URL", f.avatarUrl ?? ""]] as const) {
    if (label !== "URL" && !u) continue;
    try {
      const p = new URL(u).protocol;
      if (p !== "https:" && p !== "http:") return `The ${label} must be an http(s) address.`;
    } catch {
      return `The ${label} must be an absolute http(s) address.`;
    }
  }
  return null;
}

/** The fields, editable. */
export function BotFieldsEditor({ f, onChange, idPrefix }: { f: BotFields; onChange(f: BotFields): void; idPrefix: string }) {
  const set = <K extends keyof BotFields>(k: K, v: BotFields[K]) => onChange({ ...f, [k]: v });
  const text = (k: "name" | "description" | "avatarUrl" | "url" | "interfaceUrl") => (e: Event) =>
    set(k, (e.currentTarget as HTMLInputElement).value);
  return (
    <>
      <label class="field">
        <span>Name</span>
        <input value={f.name} required pattern={botNamePattern} maxLength={32} placeholder="triage" data-testid="bot-name" onInput={text("name")} />
        <small class="muted">What people type to mention it: @{f.name || "name"}</small>
      </label>
      <label class="field">
        <span>
          Description <em>optional</em>
        </span>
        <input value={f.description ?? ""} data-testid="bot-description" onInput={text("description")} />
      </label>
      <label class="field">
        <span>
          Avatar URL <em>optional</em>
        </span>
        <input type="url" value={f.avatarUrl ?? ""} placeholder="https://…" onInput={text("avatarUrl")} />
      </label>
      <label class="field">
        <span>URL</span>
        <input type="url" value={f.url} required placeholder="https://bots.example.com/tandem" data-testid="bot-url" onInput={text("url")} />
        <small class="muted">Receives the messages that mention the bot, signed.</small>
      </label>
      <label class="field">
        <span>
          Interface URL <em>optional</em>
        </span>
        <input type="url" value={f.interfaceUrl ?? ""} placeholder="the URL above" data-testid="bot-interface-url" onInput={text("interfaceUrl")} />
        <small class="muted">Receives button presses and commands.</small>
      </label>
      <fieldset class="field scopes-field" aria-describedby={`${idPrefix}-scopes-hint`}>
        <legend>Scopes</legend>
        <small class="muted" id={`${idPrefix}-scopes-hint`}>
          What the bot's token may do. In each conversation, the person who adds the bot authorises these too.
        </small>
        {scopes.map((s) => {
          const id = `${idPrefix}-scope-${s.scope}`;
          const on = f.scopes.includes(s.scope);
          return (
            <div class="scope-check" key={s.scope}>
              <input
                type="checkbox"
                id={id}
                checked={on}
                data-testid={`bot-scope-${s.scope}`}
                aria-describedby={`${id}-d`}
                onChange={() => set("scopes", on ? f.scopes.filter((x) => x !== s.scope) : [...f.scopes, s.scope])}
              />
              <label for={id}>
                <span class="scope-title">{s.title}</span> <code class="muted">{s.scope}</code>
                <div class="muted small" id={`${id}-d`}>
                  {s.description}
                </div>
              </label>
            </div>
          );
        })}
      </fieldset>
    </>
  );
}
