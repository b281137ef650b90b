// The conversations screen: the list (unread counts, last message, live)
// beside the open conversation.

import { useState } from "preact/hooks";
import { parseTime } from "../../shared/format";
import { Link, navigate } from "../app/router";
import { paths } from "../app/routes";
import { Avatar, Empty, ErrorNote, Icon, Loading, Pill } from "../common/ui";
import { Summary } from "./api";
import { useChat } from "./context";
import { NewConversationDialog } from "./newdialog";
import { useChatStore } from "./store";
import { conversationTitle, previewText } from "./title";
import { ConversationView } from "./view";

/** The conversations screen; id is the open conversation, if any. */
export function ConversationsScreen({ id }: { id?: string }) {
  const { store } = useChat();
  const s = useChatStore(store);
  const [creating, setCreating] = useState(false);
  const [filter, setFilter] = useState("");
  const q = filter.trim().toLowerCase();
  const rows = s.index.list().filter((r) => !q || title(r, s.me).toLowerCase().includes(q) || previewText(r.last).toLowerCase().includes(q));

  return (
    <div class="screen chat-screen">
      <div class="chat-layout">
        <nav class="conv-list" aria-label="Conversations">
          <div class="conv-list-head">
            <h1>Conversations</h1>
            <button class="btn btn-primary btn-icon" aria-label="New conversation" title="New conversation" data-testid="new-conversation-open" onClick={() => setCreating(true)}>
              <Icon name="plus" />
            </button>
          </div>
          <input
            class="filter conv-filter"
            type="search"
            placeholder="Filter conversations"
            aria-label="Filter conversations"
            value={filter}
            onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)}
          />
          <ErrorNote message={s.error} />
          {!s.loaded ? (
            <Loading />
          ) : rows.length === 0 ? (
            <div class="muted small conv-none">{q ? "Nothing matches." : "No conversations yet."}</div>
          ) : (
            <ul class="conv-items">
              {rows.map((r) => (
                <ConversationItem key={r.conversation.id} r={r} me={s.me} active={r.conversation.id === id} />
              ))}
            </ul>
          )}
        </nav>
        <div class="conv-main">
          {id ? (
            <ConversationView key={id} id={id} />
          ) : (
            <Empty title="Pick a conversation" icon="chat">
              Conversations with agents, people and bots. Start one with the + button.
            </Empty>
          )}
        </div>
      </div>
      {creating && (
        <NewConversationDialog
          onClose={() => setCreating(false)}
          onCreated={(c) => {
            setCreating(false);
            store.put({ conversation: c, unread: 0, last: null });
            void store.reload();
            navigate(paths.conversation(c.id));
          }}
        />
      )}
    </div>
  );
}

function title(r: Summary, me: string): string {
  return conversationTitle(r.conversation, undefined, me) === "Direct conversation" && r.last?.author && r.last.author.account !== me
    ? r.last.author.name || "Direct conversation"
    : conversationTitle(r.conversation, undefined, me);
}

function ConversationItem({ r, me, active }: { r: Summary; me: string; active: boolean }) {
  const c = r.conversation;
  const t = title(r, me);
  const at = parseTime(c.lastMessageAt || r.last?.createdAt);
  const last = r.last;
  const who = last?.author ? (last.author.account === me ? "You" : last.author.name || "") : "";
  return (
    <li>
      <Link
        href={paths.conversation(c.id)}
        class={`conv-item${active ? " active" : ""}${r.unread ? " unread" : ""}`}
        aria-current={active ? "page" : undefined}
        data-testid="conversation-item"
        data-conversation-id={c.id}
      >
        <Avatar name={t} size={32} />
        <span class="conv-item-main">
          <span class="conv-item-line">
            <span class="conv-item-title">{t}</span>
            {c.kind === "support" && c.queued && <Pill tone="warn">queued</Pill>}
            {!isNaN(at) && <span class="conv-item-time muted small">{shortTime(at)}</span>}
          </span>
          <span class="conv-item-last muted small" data-testid="conversation-last">
            {who && `${who}: `}
            {previewText(last) || (c.kind === "support" ? "Support conversation" : "")}
          </span>
        </span>
        {r.unread > 0 && (
          <span class="badge" data-testid="unread" aria-label={`${r.unread} unread`}>
            {r.unread > 99 ? "99+" : r.unread}
          </span>
        )}
      </Link>
    </li>
  );
}

function shortTime(t: number): string {
  const d = new Date(t);
  const today = new Date();
  return d.toDateString() === today.toDateString()
    ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}
