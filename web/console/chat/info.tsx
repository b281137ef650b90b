// The dialog that changes a conversation's name, description and avatar.

import { useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { Dialog, ErrorNote, Spinner } from "../common/ui";
import { chatApi, Conversation } from "./api";

/** Edits the name, description and avatar of a group conversation; of a support conversation, all but its name (its person's). */
export function ConversationInfoDialog({ conversation: c, onClose, onSaved }: { conversation: Conversation; onClose(): void; onSaved(): void }) {
  const [name, setName] = useState(c.name ?? "");
  const [description, setDescription] = useState(c.description ?? "");
  const [avatarUrl, setAvatarUrl] = useState(c.avatarUrl ?? "");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const support = c.kind === "support";
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      // A support conversation is named after its person: the server
      // refuses to rename it, so its name is not sent.
      const patch: { name?: string; description: string; avatarUrl: string } = { description: description.trim(), avatarUrl: avatarUrl.trim() };
      if (!support) patch.name = name.trim();
      await chatApi.update(c.id, patch);
      onSaved();
      onClose();
    } catch (e2) {
      setErr(errorMessage(e2));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Conversation info" onClose={onClose} testid="conversation-info">
      <form class="form" onSubmit={save}>
        <label class="field">
          <span>Name{support && <em> the person's, as their site gave it</em>}</span>
          <input
            value={name}
            required={c.kind === "group"}
            readOnly={support}
            maxLength={100}
            onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span>
            Description <em>optional</em>
          </span>
          <textarea rows={3} value={description} onInput={(e) => setDescription((e.currentTarget as HTMLTextAreaElement).value)} />
        </label>
        <label class="field">
          <span>
            Avatar URL <em>optional</em>
          </span>
          <input type="url" value={avatarUrl} placeholder="https://…" onInput={(e) => setAvatarUrl((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <ErrorNote message={err} />
        <div class="form-actions">
          <button type="button" class="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy && <Spinner />} Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
