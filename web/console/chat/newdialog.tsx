// The new-conversation dialog: a direct conversation with one other agent,
// or a named group with any number. Bots are added afterwards from the
// members panel, where their scopes are authorised.

import { useState } from "preact/hooks";
import { errorMessage } from "../api";
import { Dialog, ErrorNote, Spinner } from "../ui";
import { chatApi, Conversation } from "./api";

/** Splits what was typed into accounts or emails: by commas, spaces or lines. */
export function parseMembers(s: string): string[] {
  return [...new Set(s.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean))];
}

/** The new-conversation dialog; onCreated gets the conversation the server made. */
export function NewConversationDialog({ onClose, onCreated }: { onClose(): void; onCreated(c: Conversation): void }) {
  const [kind, setKind] = useState<"direct" | "group">("group");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [members, setMembers] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);

  const list = parseMembers(members);
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
        <label class="field">
          <span>{kind === "direct" ? "With" : <>Members <em>optional</em></>}</span>
          <input
            value={members}
            placeholder="user:ID, separated by commas"
            data-testid="new-members"
            onInput={(e) => setMembers((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
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
