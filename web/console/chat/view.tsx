// A conversation: its messages (older pages load as the user scrolls up;
// new ones arrive live), who is typing, notices for the user alone, the
// composer and the members. Used by the conversations screen and, compact,
// beside the live view and the replay.

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { browserTimers } from "../../shared/socket";
import { Empty, ErrorNote, Icon, Loading, Pill, Spinner } from "../common/ui";
import { Block, Button, chatApi, Conversation, Details, Message } from "./api";
import { Composer } from "./composer";
import { useChat } from "./context";
import { continues, mergeMessages, newestSeq, replaceMessage } from "./history";
import { MembersPanel } from "./members";
import { handleOf } from "./mentions";
import { MessageBody, MessageRow } from "./message";
import { ConversationInfoDialog } from "./info";
import { conversationTitle, previewText } from "./title";
import { typingLabel, TypingTracker } from "./typing";

/** How many messages a page of history holds. */
const pageSize = 50;
/** A sequence number after every message: "before" it is the newest page (without before or after, the API pages from the oldest). */
const beyondNewest = Number.MAX_SAFE_INTEGER;

interface Notice {
  key: number;
  text?: string;
  blocks?: Block[];
}

/** The conversation view; keyed by id where it is used. */
export function ConversationView({ id, compact }: { id: string; compact?: boolean }) {
  const { store, me } = useChat();
  const meAccount = `user:${me.id}`;
  const [details, setDetails] = useState<Details | null>(null);
  const [loadErr, setLoadErr] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [more, setMore] = useState(false);
  const [older, setOlder] = useState(false);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [announce, setAnnounce] = useState("");
  const [typingNames, setTypingNames] = useState<string[]>([]);
  const [panel, setPanel] = useState(false);
  const [editing, setEditing] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const keepFrom = useRef<number | null>(null); // scrollHeight − scrollTop before older messages were put above
  const readSent = useRef(0);
  const latest = useRef<Message[]>([]);
  latest.current = messages ?? [];
  const details$ = useRef<Details | null>(null);
  details$.current = details;
  const tracker = useRef<TypingTracker | null>(null);
  if (!tracker.current) tracker.current = new TypingTracker(() => setTypingNames(tracker.current?.names() ?? []), browserTimers);
  const noticeKey = useRef(0);

  const loadDetails = () =>
    chatApi
      .get(id)
      .then((d) => {
        setDetails(d);
        readSent.current = Math.max(readSent.current, d.lastRead ?? 0);
      })
      .catch((e) => setLoadErr(errorMessage(e)));

  const add = (ms: readonly Message[]) => setMessages((prev) => mergeMessages(prev ?? [], ms));

  /** Fetches what was posted after the newest message shown (after a reconnect). */
  const catchUp = async () => {
    for (let i = 0; i < 20; i++) {
      const r = await chatApi.messages(id, { after: newestSeq(latest.current), limit: pageSize });
      const ms = r.messages ?? [];
      add(ms);
      latest.current = mergeMessages(latest.current, ms);
      if (!r.more || !ms.length) return;
    }
  };

  useEffect(() => {
    void loadDetails();
    chatApi
      .messages(id, { before: beyondNewest, limit: pageSize })
      .then((r) => {
        const ms = r.messages ?? [];
        add(ms);
        setMore(r.more ?? ms.length >= pageSize);
      })
      .catch((e) => {
        setMessages((prev) => prev ?? []);
        setErr(errorMessage(e));
      });
    const unwatch = store.watch(id);
    const unfollow = store.follow(
      (ev) => {
        if (ev.type === "conversation") {
          if (ev.conversation.id === id) void loadDetails();
          return;
        }
        if (ev.conversationId !== id) return;
        switch (ev.type) {
          case "message": {
            const m = ev.message;
            add([m]);
            if (m.author) tracker.current?.stopped(m.author.account);
            if (m.author?.account !== meAccount) setAnnounce(`${m.author?.name || "Someone"}: ${previewText(m)}`);
            break;
          }
          case "message.replaced":
            setMessages((prev) => replaceMessage(prev ?? [], ev.message));
            break;
          case "typing":
            if (ev.account !== meAccount) tracker.current?.typing(ev.account, ev.name || nameOf(details$.current, ev.account));
            break;
          case "notice":
            setNotices((ns) => [...ns, { key: ++noticeKey.current, text: ev.text, blocks: ev.blocks }]);
            setAnnounce(`Only you can see this: ${ev.text ?? ""}`);
            break;
        }
      },
      () => {
        void loadDetails();
        void catchUp().catch(() => {});
      },
    );
    const visible = () => markRead();
    document.addEventListener("visibilitychange", visible);
    return () => {
      unwatch();
      unfollow();
      tracker.current?.clear();
      document.removeEventListener("visibilitychange", visible);
    };
  }, [id]);

  /** Tells the server (and the list) that the user has read what is shown, when they can see the newest message. */
  const markRead = () => {
    const newest = newestSeq(latest.current);
    if (!atBottom.current || document.visibilityState !== "visible" || newest <= readSent.current) return;
    readSent.current = newest;
    chatApi
      .read(id, newest)
      .then(() => store.markRead(id, newest))
      .catch(() => {
        readSent.current = 0;
      });
  };

  // Keep the view where the user was: at the bottom as messages arrive, or
  // on the same message when older ones were put above.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (keepFrom.current !== null) {
      el.scrollTop = el.scrollHeight - keepFrom.current;
      keepFrom.current = null;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    markRead();
  }, [messages, notices.length]);

  // Pictures that load later grow the list: stay at the bottom if the user was there.
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => {
      if (atBottom.current && keepFrom.current === null) el.scrollTop = el.scrollHeight;
    });
    for (const child of Array.from(el.children)) ro.observe(child);
    return () => ro.disconnect();
  }, [messages === null, messages?.length === 0]);

  const loadOlder = async () => {
    const list = latest.current;
    if (older || !more || !list.length) return;
    setOlder(true);
    try {
      const r = await chatApi.messages(id, { before: list[0].seq, limit: pageSize });
      const ms = r.messages ?? [];
      const el = scroller.current;
      if (el) keepFrom.current = el.scrollHeight - el.scrollTop;
      add(ms);
      setMore(r.more ?? ms.length >= pageSize);
    } catch (e) {
      setErr(errorMessage(e));
    } finally {
      setOlder(false);
    }
  };

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 60) void loadOlder();
    markRead();
  };

  const press = async (m: Message, b: Button) => {
    if (!b.id) return;
    setErr(null);
    try {
      await chatApi.press(id, m.id, b.id);
    } catch (e) {
      setErr(errorMessage(e));
    }
  };

  if (loadErr && !details) {
    return (
      <div class={`chat${compact ? " compact" : ""}`}>
        <Empty title="This conversation cannot be shown" icon="chat">
          {loadErr}
        </Empty>
      </div>
    );
  }

  const members = details?.members ?? [];
  const handles = members.filter((m) => m.kind !== "person").map(handleOf);
  const c: Conversation | undefined = details?.conversation;
  const title = c ? conversationTitle(c, members, meAccount) : "…";
  const typing = typingLabel(typingNames);

  return (
    <section class={`chat${compact ? " compact" : ""}`} aria-label={`Conversation: ${title}`} data-testid="conversation" data-conversation-id={id}>
      <header class="chat-head">
        <div class="chat-title">
          <h2 data-testid="conversation-title">{title}</h2>
          {c?.kind === "support" && c.queued && <Pill tone="warn">Waiting for an agent</Pill>}
          {c?.description && !compact && <div class="muted small chat-desc">{c.description}</div>}
          {c?.summary && <div class="chat-summary small" data-testid="conversation-summary">{c.summary}</div>}
        </div>
        <div class="head-actions">
          {c && c.kind !== "direct" && !compact && (
            <button class="btn btn-ghost btn-icon" aria-label="Edit name and description" title="Edit name and description" onClick={() => setEditing(true)}>
              <Icon name="pen" />
            </button>
          )}
          <button
            class={`btn btn-ghost${panel ? " on" : ""}`}
            aria-expanded={panel}
            aria-controls={`members-${id}`}
            data-testid="members-toggle"
            onClick={() => setPanel(!panel)}
          >
            <Icon name="members" /> {members.length}
            <span class="sr-only"> members</span>
          </button>
        </div>
      </header>
      <div class="chat-body">
        <div class="chat-main">
          <div class="chat-scroll" ref={scroller} onScroll={onScroll} data-testid="messages">
            {more && (
              <div class="chat-older">
                <button class="btn btn-ghost" onClick={() => void loadOlder()} disabled={older} data-testid="load-older">
                  {older && <Spinner />} Load older messages
                </button>
              </div>
            )}
            {messages === null ? (
              <Loading>Loading messages…</Loading>
            ) : messages.length === 0 ? (
              <div class="chat-empty muted">No messages yet. Say hello.</div>
            ) : (
              <ol class="msgs" aria-label="Messages">
                {messages.map((m, i) => (
                  <MessageRow
                    key={m.id}
                    m={m}
                    conversationId={id}
                    grouped={continues(messages[i - 1], m)}
                    mine={m.author?.account === meAccount}
                    handles={handles}
                    onButton={press}
                  />
                ))}
              </ol>
            )}
            {notices.map((n) => (
              <div class="notice" key={n.key} role="status" data-testid="notice">
                <div class="notice-head">
                  <span class="muted small">Only you can see this</span>
                  <button class="btn btn-ghost btn-icon" aria-label="Dismiss" onClick={() => setNotices((ns) => ns.filter((x) => x.key !== n.key))}>
                    <Icon name="close" size={12} />
                  </button>
                </div>
                <MessageBody text={n.text} blocks={n.blocks} handles={handles} />
              </div>
            ))}
          </div>
          <div class="typing" data-testid="typing" aria-live="polite">
            {typing}
          </div>
          <div class="sr-only" aria-live="polite" data-testid="announce">
            {announce}
          </div>
          <ErrorNote message={err} />
          <Composer
            conversationId={id}
            members={members}
            me={meAccount}
            onPosted={(m) => {
              atBottom.current = true;
              add([m]);
            }}
          />
        </div>
        {panel && details && <MembersPanel id={`members-${id}`} details={details} me={meAccount} onChanged={() => void loadDetails()} />}
      </div>
      {editing && c && <ConversationInfoDialog conversation={c} onClose={() => setEditing(false)} onSaved={() => void loadDetails()} />}
    </section>
  );
}

function nameOf(d: Details | null, account: string): string {
  return d?.members.find((m) => m.account === account)?.name ?? "";
}
