// The dialog that changes a conversation's name, description and avatar.

import { useState } from "preact/hooks";
import { errorMessage } from "../api";
import { Dialog, ErrorNote, Spinner } from "../ui";
import { chatApi, Conversation } from "./api";

/** Edits the name, description and avatar of a group or support conversation. */
export function ConversationInfoDialog({ conversation: c, onClose, onSaved }: { conversation: Conversation; onClose(): void; onSaved(): void }) {
  const [name, setName] = useState(c.name ?? "");
  const [description, setDescription] = useState(c.description ?? "");
  const [avatarUrl, setAvatarUrl] = useState(c.avatarUrl ?? "");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      await chatApi.update(c.id, { name: name.trim(), description: description.trim(), avatarUrl: avatarUrl.trim() });
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
          <span>Name</span>
          <input value={name} required={c.kind === "group"} maxLength={100} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
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
