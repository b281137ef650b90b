// The queue: everyone who asked for help, live, grouped by state, with
// Accept for waiting requests and Open for the ones under way.

import { useEffect, useState } from "preact/hooks";
import { api, Assist, AssistState, errorMessage, Invite } from "../../shared/api";
import { ago, parseTime, shortURL, viewportLabel } from "../../shared/format";
import { InviteDialog } from "./invite";
import { queueMax, QueueStore } from "./queuestore";
import { navigate } from "../app/router";
import { paths } from "../app/routes";
import { Summary } from "../chat/api";
import { QueuedConversation, useQueuedConversations, WaitingWords } from "../chat/queued";
import { browserLabel } from "../common/ua";
import { Avatar, Empty, ErrorNote, Icon, Loading, Pill, Spinner, useNow } from "../common/ui";
import { ShortcutHelp, useScreenShortcuts } from "../common/shortcuts";
import { QueueAction, queueShortcuts, rowAfter } from "./shortcuts";
import { VerifiedBadge } from "../common/verified";

const sections: { state: AssistState; title: string; hint: string }[] = [
  { state: "waiting", title: "Waiting", hint: "Asked for help; no one has accepted yet." },
  { state: "consenting", title: "Asking consent", hint: "Accepted; the person is being asked to allow." },
  { state: "live", title: "Live", hint: "The person allowed; their page is shared." },
];

/** Subscribes to the store and returns its assists. */
export function useQueue(store: QueueStore): QueueStore {
  const [, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((t) => t + 1)), [store]);
  return store;
}

/** focusRow moves the keyboard focus to the next or previous request of the queue. */
function focusRow(dir: 1 | -1) {
  const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="queue-item"]')];
  const at = document.activeElement ? rows.findIndex((r) => r.contains(document.activeElement)) : -1;
  rows[rowAfter(at, rows.length, dir)]?.focus();
}

/** The queue screen. */
export function QueueScreen({ store, onInvite }: { store: QueueStore; onInvite?(inv: Invite): void }) {
  const q = useQueue(store);
  const now = useNow(1000);
  const [inviting, setInviting] = useState(false);
  const queued = useQueuedConversations(q.assists);
  // A queued conversation with an assist in the queue is shown in the
  // assist's row (found by either link: a queue frame sent as the request
  // came may predate its conversation); the others are rows of their own.
  const byConversation = new Map((queued ?? []).map((s) => [s.conversation.id, s]));
  const byAssist = new Map((queued ?? []).filter((s) => s.conversation.assistId).map((s) => [s.conversation.assistId as string, s]));
  const wordsOf = (a: Assist) => (a.conversationId ? byConversation.get(a.conversationId) : undefined) ?? byAssist.get(a.id);
  const shown = new Set(q.assists.map((a) => wordsOf(a)?.conversation.id).filter(Boolean));
  const onlyWords = (queued ?? []).filter((s) => !shown.has(s.conversation.id));

  const [helpOpen, setHelp] = useScreenShortcuts<QueueAction>(
    queueShortcuts,
    {
      invite: () => setInviting(true),
      nextRow: () => focusRow(1),
      prevRow: () => focusRow(-1),
    },
    () => inviting, // the invite dialog has the keyboard
  );

  const link =
    q.link === "open" ? (
      <Pill tone="ok" title="Updates arrive as they happen">
        Live updates
      </Pill>
    ) : q.link === "closed" ? (
      <Pill tone="bad">Disconnected</Pill>
    ) : (
      <Pill tone="warn">Reconnecting…</Pill>
    );

  return (
    <div class="screen">
      <header class="screen-head">
        <div>
          <h1>Queue</h1>
          <div class="sub">People who asked for help, as it happens.</div>
        </div>
        <div class="head-actions">
          {link}
          <button class="btn btn-primary" data-testid="invite-open" onClick={() => setInviting(true)} title="Invite someone (I)">
            <Icon name="invite" /> Invite
          </button>
        </div>
      </header>
      <div class="screen-body">
        {!q.loaded ? (
          <Loading>Loading the queue…</Loading>
        ) : q.assists.length === 0 && onlyWords.length === 0 ? (
          <Empty title="No one is waiting" icon="queue">
            When a person asks for help on one of your sites, they appear here within a second. To help someone right
            now, send them an invite link or code.
            <div class="empty-actions">
              <button class="btn" onClick={() => setInviting(true)}>
                <Icon name="invite" /> Create an invite
              </button>
            </div>
          </Empty>
        ) : (
          [
            onlyWords.length > 0 && (
              <section class="queue-section" key="conversations" data-section="conversations">
                <div class="section-head">
                  <h2>
                    Conversations <span class="section-count">{onlyWords.length}</span>
                  </h2>
                  <span class="section-hint">Wrote to you and wait for an agent.</span>
                </div>
                <ul class="queue-list">
                  {onlyWords.map((c) => (
                    <QueuedConversation key={c.conversation.id} s={c} />
                  ))}
                </ul>
              </section>
            ),
            ...sections.map((s) => {
            const items = q.assists.filter((a) => a.state === s.state);
            const total = Math.max(q.count(s.state), items.length);
            return (
              <section class="queue-section" key={s.state} data-section={s.state}>
                <div class="section-head">
                  <h2>
                    {s.title}{" "}
                    <span class="section-count" data-testid="section-count">
                      {total}
                    </span>
                  </h2>
                  <span class="section-hint">{s.hint}</span>
                </div>
                {items.length === 0 ? (
                  <div class="section-empty">None</div>
                ) : (
                  <ul class="queue-list">
                    {items.map((a) => (
                      <QueueItem key={a.id} a={a} now={now} store={store} words={wordsOf(a)} />
                    ))}
                  </ul>
                )}
                {total > items.length && (
                  <div class="section-more" data-testid="queue-more-row">
                    <span>
                      Showing the first {items.length} of {total}
                      {s.state === "waiting" ? ", longest waiting first" : ""}.
                    </span>
                    {q.limit < queueMax && (
                      <button class="btn" data-testid="queue-more" onClick={() => q.loadMore()}>
                        Show more
                      </button>
                    )}
                  </div>
                )}
              </section>
            );
          }),
          ]
        )}
      </div>
      {inviting && <InviteDialog onClose={() => setInviting(false)} onCreated={onInvite} />}
      {helpOpen && (
        <ShortcutHelp shortcuts={queueShortcuts} onClose={() => setHelp(false)}>
          Shortcuts do nothing while you type in a field.
        </ShortcutHelp>
      )}
    </div>
  );
}

function QueueItem({ a, now, store, words }: { a: Assist; now: number; store: QueueStore; words?: Summary }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const since = a.state === "live" && a.startedAt ? a.startedAt : a.createdAt;
  const t = parseTime(since);

  const accept = async () => {
    setBusy(true);
    setErr(null);
    try {
      const r = await api.accept(a.id);
      if (r?.assist) store.patch(r.assist);
      navigate(paths.assist(a.id));
    } catch (e) {
      setErr(errorMessage(e));
      setBusy(false);
    }
  };
  const open = () => navigate(paths.assist(a.id));
  const primary = a.state === "waiting" ? accept : open;

  return (
    <li
      class="queue-item"
      data-testid="queue-item"
      data-assist-id={a.id}
      data-state={a.state}
      data-conversation-queued={words ? "true" : undefined}
      tabIndex={0}
      onKeyDown={(e) => {
        if (e.key === "Enter" && e.target === e.currentTarget && !busy) primary();
      }}
    >
      <Avatar name={a.personId || "?"} size={32} />
      <div class="qi-main">
        <div class="qi-line">
          <span class="qi-person">{a.personId || "Anonymous"}</span>
          <VerifiedBadge v={a.verified} />
          {a.siteName && <span class="qi-site">{a.siteName}</span>}
        </div>
        <div class="qi-url" title={a.pageUrl}>
          {shortURL(a.pageUrl) || "—"}
        </div>
        <div class="qi-meta">
          <span>{browserLabel(a.userAgent)}</span>
          {viewportLabel(a.viewport) && <span>{viewportLabel(a.viewport)}</span>}
          {a.agentName && a.state !== "waiting" && <span>with {a.agentName}</span>}
        </div>
        <WaitingWords s={words} />
        {a.state === "waiting" && store.leftMessages[a.id] && (
          <div class="qi-left" data-testid="left-message">
            Left a message
          </div>
        )}
        <ErrorNote message={err} />
      </div>
      <div class="qi-time" title={since ? new Date(t).toLocaleString() : ""}>
        {isNaN(t) ? "" : a.state === "live" ? `live · ${ago(now - t).replace(" ago", "")}` : ago(now - t)}
      </div>
      <div class="qi-actions">
        {a.state === "waiting" ? (
          <button class="btn btn-primary" data-testid="accept" disabled={busy} onClick={accept}>
            {busy ? <Spinner /> : null}
            Accept
          </button>
        ) : (
          <button class="btn" data-testid="open" onClick={open}>
            Open
          </button>
        )}
      </div>
    </li>
  );
}
