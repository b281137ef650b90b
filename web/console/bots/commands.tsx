// A bot's slash commands: the list, adding one (name, description,
// parameter hint, URL) and deleting one.

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { ConfirmDialog } from "../chat/confirm";
import { ErrorNote, Icon, Loading, Spinner } from "../common/ui";
import { BotCommand, botsApi } from "./api";

/** The name rule of commands: what follows the slash. */
const commandPattern = "[a-z0-9_-]{1,32}";

/** The commands section of a bot's page. */
export function CommandsSection({ botId }: { botId: string }) {
  const [list, setList] = useState<BotCommand[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [f, setF] = useState({ name: "", description: "", hint: "", url: "" });
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<BotCommand | null>(null);

  const load = () =>
    botsApi
      .commands(botId)
      .then((r) => setList(r.commands ?? []))
      .catch((e) => {
        setErr(errorMessage(e));
        setList([]);
      });
  useEffect(() => {
    void load();
  }, [botId]);

  const add = async (e: Event) => {
    e.preventDefault();
    const name = f.name.trim().replace(/^\//, "");
    if (!new RegExp(`^${commandPattern}$`).test(name)) {
      setErr("A command's name is 1 to 32 lower-case letters, digits, - or _ (without the slash).");
      return;
    }
    setBusy(true);
    setErr(null);
    try {
      await botsApi.addCommand(botId, {
        name,
        ...(f.description.trim() ? { description: f.description.trim() } : {}),
        ...(f.hint.trim() ? { hint: f.hint.trim() } : {}),
        ...(f.url.trim() ? { url: f.url.trim() } : {}),
      });
      setF({ name: "", description: "", hint: "", url: "" });
      await load();
    } catch (e2) {
      setErr(errorMessage(e2));
    } finally {
      setBusy(false);
    }
  };
  const input = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });

  return (
    <section class="card" aria-labelledby="bot-commands-h" data-testid="bot-commands">
      <h2 id="bot-commands-h">Commands</h2>
      <p class="muted">Typing / in a conversation the bot is in lists these with their hints; running one sends what follows it to the bot, signed.</p>
      {list === null ? (
        <Loading inline />
      ) : list.length === 0 ? (
        <div class="muted small">No commands yet.</div>
      ) : (
        <ul class="kv-list">
          {list.map((c) => (
            <li key={c.id} class="command-row" data-testid="bot-command" data-command={c.name}>
              <span>
                <code>/{c.name}</code> {c.hint && <span class="muted">{c.hint}</span>}
                {c.description && <div class="muted small">{c.description}</div>}
                {c.url && <div class="muted small mono">{c.url}</div>}
              </span>
              <button class="btn btn-ghost btn-icon" aria-label={`Delete /${c.name}`} data-testid="bot-command-delete" onClick={() => setRemoving(c)}>
                <Icon name="trash" />
              </button>
            </li>
          ))}
        </ul>
      )}
      <form class="form command-form" onSubmit={add} aria-label="Add a command">
        <div class="form-grid">
          <label class="field">
            <span>Name</span>
            <input value={f.name} placeholder="ticket" data-testid="command-name" onInput={input("name")} />
          </label>
          <label class="field">
            <span>
              Hint <em>optional</em>
            </span>
            <input value={f.hint} placeholder="[title] [priority]" data-testid="command-hint-input" onInput={input("hint")} />
          </label>
          <label class="field">
            <span>
              Description <em>optional</em>
            </span>
            <input value={f.description} placeholder="Open a ticket" data-testid="command-description" onInput={input("description")} />
          </label>
          <label class="field">
            <span>
              URL <em>optional</em>
            </span>
            <input type="url" value={f.url} placeholder="the bot's interface URL" onInput={input("url")} />
          </label>
        </div>
        <ErrorNote message={err} testid="command-error" />
        <div class="form-actions">
          <button type="submit" class="btn" disabled={busy} data-testid="command-add">
            {busy && <Spinner />} Add command
          </button>
        </div>
      </form>
      {removing && (
        <ConfirmDialog
          title={`Delete /${removing.name}?`}
          confirm="Delete"
          danger
          onConfirm={() => botsApi.removeCommand(botId, removing.id).then(load)}
          onClose={() => setRemoving(null)}
        >
          It disappears from the / list of every conversation the bot is in.
        </ConfirmDialog>
      )}
    </section>
  );
}
