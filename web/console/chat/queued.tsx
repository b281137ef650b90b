// Queued support conversations for the queue screen: people waiting for a
// human, with what they last wrote and the bot's summary when a triage bot
// handed them over; "Take" makes the agent a member.

import { useEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { parseTime } from "../../shared/format";
import { navigate } from "../app/router";
import { paths } from "../app/routes";
import { Avatar, ErrorNote, Spinner } from "../common/ui";
import { chatApi, Summary } from "./api";
import { useChat } from "./context";
import { previewText } from "./title";

/** How often the queue asks again while it is shown (events also make it ask). */
const refreshMs = 15000;

/**
 * Returns the queued support conversations, fetched again when changed
 * changes (the queue's assists), on conversation events, and every few
 * seconds while shown: people who are not yet anyone's conversation send
 * no events to an agent who is not a member.
 */
export function useQueuedConversations(changed: unknown): Summary[] | null {
  const { store } = useChat();
  const [list, setList] = useState<Summary[] | null>(null);
  const busy = useRef(false);
  const load = () => {
    if (busy.current) return;
    busy.current = true;
    chatApi
      .queue()
      .then((r) => setList(r.conversations ?? []))
      .catch(() => setList((l) => l ?? []))
      .finally(() => {
        busy.current = false;
      });
  };
  useEffect(() => {
    const t = setInterval(load, refreshMs);
    const unfollow = store.follow(
      (ev) => {
        if (ev.type === "conversation" && ev.conversation.kind === "support") load();
      },
      load,
    );
    return () => {
      clearInterval(t);
      unfollow();
    };
  }, []);
  useEffect(load, [changed]);
  return list;
}

/** What a waiting person last wrote, and the summary they were queued with, under their queue row. */
export function WaitingWords({ s }: { s: Summary | undefined }) {
  if (!s) return null;
  const last = previewText(s.last);
  return (
    <div class="qi-words">
      {s.conversation.summary && (
        <div class="qi-summary" data-testid="queue-summary">
          {s.conversation.summary}
        </div>
      )}
      {last && (
        <div class="qi-last" data-testid="queue-last-message">
          “{last}”
        </div>
      )}
    </div>
  );
}

/** A queued support conversation without an assist in the queue: the person wrote, and waits. */
export function QueuedConversation({ s }: { s: Summary }) {
  const { store } = useChat();
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const c = s.conversation;
  const at = parseTime(c.lastMessageAt || c.createdAt);
  const take = async () => {
    setBusy(true);
    setErr(null);
    try {
      await chatApi.take(c.id);
      await store.reload();
      navigate(paths.conversation(c.id));
    } catch (e) {
      setErr(errorMessage(e));
      setBusy(false);
    }
  };
  const who = s.last?.author?.account.startsWith("person:") ? s.last.author.name || "Visitor" : "Visitor";
  return (
    <li class="queue-item" data-testid="queued-conversation" data-conversation-id={c.id}>
      <Avatar name={who} size={32} />
      <div class="qi-main">
        <div class="qi-line">
          <span class="qi-person">{c.name || who}</span>
          {c.assistId && <span class="qi-site">has an assist</span>}
        </div>
        <WaitingWords s={s} />
        <ErrorNote message={err} />
      </div>
      <div class="qi-time" title={isNaN(at) ? "" : new Date(at).toLocaleString()}>
        {isNaN(at) ? "" : new Date(at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}
      </div>
      <div class="qi-actions">
        <button class="btn btn-primary" data-testid="take" disabled={busy} onClick={take}>
          {busy && <Spinner />} Take
        </button>
      </div>
    </li>
  );
}
