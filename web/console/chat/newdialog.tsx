// The new-conversation dialog: a direct conversation with one other agent,
// or a named group with any number, picked from the directory (chosen ones
// show as removable chips). Bots are added afterwards from the members
// panel, where their scopes are authorised.

import { useContext, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { Dialog, ErrorNote, Icon, Spinner } from "../common/ui";
import { chatApi, Conversation } from "./api";
import { ChatContext } from "./context";
import type { AccountOption } from "./directory";
import { AccountPicker } from "./picker";

/** The new-conversation dialog; onCreated gets the conversation the server made. */
export function NewConversationDialog({ onClose, onCreated }: { onClose(): void; onCreated(c: Conversation): void }) {
  const [kind, setKind] = useState<"direct" | "group">("group");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [chosen, setChosen] = useState<AccountOption[]>([]);
  const meAccount = useContext(ChatContext)?.me.id;
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);

  const list = chosen.map((o) => o.account);
  const problem =
    kind === "group" && !name.trim()
      ? "A group needs a name."
      : kind === "direct" && list.length !== 1
        ? "A direct conversation is with exactly one other agent."
        : list.some((a) => a.startsWith("bot:"))
          ? "Add bots from the members panel once the conversation exists: there you authorise what they may do."
          : null;

  const create = async (e: Event) => {
    e.preventDefault();
    if (problem) {
      setErr(problem);
      return;
    }
    setBusy(true);
    setErr(null);
    try {
      const c = await chatApi.create(kind, list, kind === "group" ? name.trim() : undefined, description.trim() || undefined);
      onCreated(c);
    } catch (e2) {
      setErr(errorMessage(e2));
      setBusy(false);
    }
  };

  return (
    <Dialog title="New conversation" onClose={onClose} testid="new-conversation">
      <form class="form" onSubmit={create}>
        <fieldset class="field segmented-field">
          <legend>Kind</legend>
          <label>
            <input type="radio" name="kind" value="group" checked={kind === "group"} data-testid="new-kind-group" onChange={() => setKind("group")} /> Group
          </label>
          <label>
            <input type="radio" name="kind" value="direct" checked={kind === "direct"} data-testid="new-kind-direct" onChange={() => setKind("direct")} /> Direct
          </label>
        </fieldset>
        {kind === "group" && (
          <label class="field">
            <span>Name</span>
            <input value={name} maxLength={100} data-testid="new-name" onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          </label>
        )}
        {kind === "group" && (
          <label class="field">
            <span>
              Description <em>optional</em>
            </span>
            <input value={description} onInput={(e) => setDescription((e.currentTarget as HTMLInputElement).value)} />
          </label>
        )}
        <AccountPicker
          label={kind === "direct" ? "With" : "Members (optional)"}
          placeholder="Search by name or email, or type user:ID"
          testid="new-members"
          exclude={[...list, ...(meAccount ? [`user:${meAccount}`] : [])]}
          onPick={(o) => setChosen((cs) => (cs.some((c) => c.account === o.account) ? cs : [...cs, o]))}
        />
        {chosen.length > 0 && (
          <ul class="chips" aria-label="Chosen members" data-testid="new-chosen">
            {chosen.map((o) => (
              <li key={o.account} class="chip" data-testid="new-chip" data-account={o.account}>
                <span title={o.detail || o.account}>{o.name}</span>
                <button
                  type="button"
                  class="btn btn-ghost btn-icon"
                  aria-label={`Remove ${o.name}`}
                  data-testid="new-chip-remove"
                  onClick={() => setChosen((cs) => cs.filter((c) => c.account !== o.account))}
                >
                  <Icon name="close" size={12} />
                </button>
              </li>
            ))}
          </ul>
        )}
        <ErrorNote message={err} testid="new-error" />
        <div class="form-actions">
          <button type="button" class="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="new-create">
            {busy && <Spinner />} Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}
