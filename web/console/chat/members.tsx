// The members of a conversation: who is in it (bots with the scopes they
// were granted here), removing one, and adding an agent or a bot (a bot goes
// through the authorise dialog first).

import { useEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { addableBots, Bot, botsApi } from "../bots/api";
import { orderScopes } from "../bots/scopes";
import { Avatar, Dialog, ErrorNote, Icon, Loading, Spinner } from "../common/ui";
import { chatApi, Details, Member } from "./api";
import { AuthorizeDialog } from "./authorize";
import { ConfirmDialog } from "./confirm";
import type { AccountOption } from "./directory";
import { AccountPicker } from "./picker";

/** The members panel beside a conversation's messages. */
export function MembersPanel({ id, details, me, onChanged }: { id: string; details: Details; me: string; onChanged(): void }) {
  const cid = details.conversation.id;
  const [adding, setAdding] = useState(false);
  const [authorizing, setAuthorizing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const canAdd = details.conversation.kind !== "direct";
  // The dialogs open one after the other; focus comes back to Add, not to a control that is gone.
  const addButton = useRef<HTMLButtonElement>(null);
  const refocus = () => requestAnimationFrame(() => addButton.current?.focus());
  return (
    <aside class="members" id={id} aria-label="Members" data-testid="members">
      <div class="members-head">
        <h3>Members</h3>
        {canAdd && (
          <button class="btn btn-ghost" ref={addButton} data-testid="add-member" onClick={() => setAdding(true)}>
            <Icon name="plus" /> Add
          </button>
        )}
      </div>
      <ul class="member-list">
        {details.members.map((m) => (
          <li key={m.account} class="member" data-testid="member" data-account={m.account}>
            <Avatar name={m.name || m.account} size={24} />
            <div class="member-main">
              <div class="member-name">
                {m.name || m.account}
                {m.account === me && <span class="muted small"> (you)</span>}
                {m.kind === "bot" && <span class="msg-tag">bot</span>}
              </div>
              {m.kind === "bot" && (
                <div class="muted small" data-testid="member-granted">
                  {m.granted?.length ? orderScopes(m.granted).join(", ") : "no scopes granted"}
                </div>
              )}
            </div>
            {m.kind !== "person" && canAdd && (
              <button
                class="btn btn-ghost btn-icon"
                aria-label={m.account === me ? "Leave the conversation" : `Remove ${m.name || m.account}`}
                title={m.account === me ? "Leave" : "Remove"}
                data-testid="remove-member"
                onClick={() => setRemoving(m)}
              >
                <Icon name="close" size={14} />
              </button>
            )}
          </li>
        ))}
      </ul>
      {adding && (
        <AddMemberDialog
          conversationId={cid}
          members={details.members}
          onClose={() => setAdding(false)}
          onAdded={onChanged}
          onBot={(botId) => {
            setAdding(false);
            setAuthorizing(botId);
          }}
        />
      )}
      {authorizing && (
        <AuthorizeDialog
          conversationId={cid}
          botId={authorizing}
          onAdded={onChanged}
          onClose={() => {
            setAuthorizing(null);
            refocus();
          }}
        />
      )}
      {removing && (
        <ConfirmDialog
          title={removing.account === me ? "Leave this conversation?" : `Remove ${removing.name || removing.account}?`}
          confirm={removing.account === me ? "Leave" : "Remove"}
          danger
          onConfirm={() => chatApi.removeMember(cid, removing.account).then(onChanged)}
          onClose={() => setRemoving(null)}
        >
          {removing.kind === "bot"
            ? "The bot stops receiving this conversation's mentions, and its webhook URL for this conversation stops working."
            : "They no longer see this conversation's messages."}
        </ConfirmDialog>
      )}
    </aside>
  );
}

/**
 * The add-member dialog: an agent found in the directory (or typed as
 * "user:ID"), or a bot, from the picker or the list below, which opens the
 * authorise dialog through onBot.
 */
function AddMemberDialog(props: { conversationId: string; members: readonly Member[]; onClose(): void; onAdded(): void; onBot(botId: string): void }) {
  const [bots, setBots] = useState<Bot[] | null>(null);
  const [chosen, setChosen] = useState<AccountOption | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);

  useEffect(() => {
    botsApi
      .list()
      .then((r) => setBots(addableBots(r, props.members)))
      .catch(() => setBots([]));
  }, []);

  const pick = (o: AccountOption) => {
    if (o.kind === "bot") {
      props.onBot(o.account.slice(4));
      return;
    }
    setChosen(o);
    setErr(null);
  };

  const add = async (e: Event) => {
    e.preventDefault();
    if (!chosen) return;
    setBusy(true);
    setErr(null);
    try {
      await chatApi.addMember(props.conversationId, chosen.account);
      props.onAdded();
      props.onClose();
    } catch (e2) {
      setErr(errorMessage(e2));
      setBusy(false);
    }
  };

  return (
    <Dialog title="Add a member" onClose={props.onClose} testid="add-member-dialog">
      <form class="form" onSubmit={add}>
        <AccountPicker
          label="Agent or bot"
          placeholder="Search by name or email, or type user:ID"
          testid="add-member-account"
          bots={bots ?? []}
          exclude={[...props.members.map((m) => m.account), ...(chosen ? [chosen.account] : [])]}
          onPick={pick}
        />
        {chosen && (
          <ul class="chips" aria-label="Chosen agent">
            <li class="chip" data-testid="add-member-chip" data-account={chosen.account}>
              <span title={chosen.detail || chosen.account}>{chosen.name}</span>
              <button type="button" class="btn btn-ghost btn-icon" aria-label={`Remove ${chosen.name}`} onClick={() => setChosen(null)}>
                <Icon name="close" size={12} />
              </button>
            </li>
          </ul>
        )}
        <ErrorNote message={err} />
        <div class="form-actions">
          <button type="button" class="btn btn-ghost" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy || !chosen} data-testid="add-member-submit">
            {busy && <Spinner />} Add
          </button>
        </div>
      </form>
      <h3 class="dialog-section" id="add-bot-label">
        Bots
      </h3>
      {bots === null ? (
        <Loading inline>Loading bots…</Loading>
      ) : bots.length === 0 ? (
        <div class="muted small">No bots to add. Create one on the Bots page.</div>
      ) : (
        <ul class="pick-list" aria-labelledby="add-bot-label">
          {bots.map((b) => (
            <li key={b.id}>
              <button type="button" class="pick" data-testid="add-bot" data-bot-id={b.id} onClick={() => props.onBot(b.id)}>
                <Avatar name={b.name} size={24} />
                <span class="pick-main">
                  <span class="pick-name">{b.name}</span>
                  {b.description && <span class="muted small">{b.description}</span>}
                </span>
                {b.recommended && <span class="msg-tag">recommended</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
