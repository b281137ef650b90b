// The live assist view: the mirror of the person's page, its devtools, the
// pages visited, who is watching, and the controls to end the assist.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, AssistDetails, AssistState, errorMessage, User, VerifiedPerson } from "../../shared/api";
import { CallPanel } from "./callpanel";
import { AssistChat } from "../chat/assistchat";
import { setDebugSource } from "../app/debug";
import { Devtools } from "../common/devtools";
import { shortURL, viewportLabel } from "../../shared/format";
import { Gestures, strokeColors, Tool } from "./gestures";
import { healthLabel } from "./health";
import { LiveSession } from "./live";
import { Mirror, ViewMode, ViewToggle } from "./mirror";
import { MirrorOverlay } from "./overlay";
import { Link } from "../app/router";
import { paths } from "../app/routes";
import { PageVisit } from "../../shared/replay/stream";
import { Toasts } from "../common/toast";
import { LiveToolbar } from "./toolbar";
import { EndConfirm } from "./endconfirm";
import { personLinkText } from "./presence";
import { Room, RoomHelp, useRoom } from "./room";
import { TabsSection } from "./tabs";
import { browserLabel } from "../common/ua";
import { Avatar, Empty, ErrorNote, Icon, Pill, Spinner, StatePill, useShortcuts } from "../common/ui";
import { VerifiedBadge } from "../common/verified";

/** Returns the saved zoom mode and a setter that saves it. */
export function useViewMode(): [ViewMode, (m: ViewMode) => void] {
  const [mode, setMode] = useState<ViewMode>(() => (localStorage.getItem("tandem.view") === "1:1" ? "1:1" : "fit"));
  const set = (m: ViewMode) => {
    setMode(m);
    try {
      localStorage.setItem("tandem.view", m);
    } catch {
      // private mode: the choice lasts for this page only
    }
  };
  useShortcuts((e) => {
    if (e.key === "f") set("fit");
    else if (e.key === "1") set("1:1");
  });
  return [mode, set];
}

/** Re-renders at most every 50 ms however often the model changes. */
function useCoalescedTick(): () => void {
  const [, setTick] = useState(0);
  const pending = useRef(false);
  return () => {
    if (pending.current) return;
    pending.current = true;
    setTimeout(() => {
      pending.current = false;
      setTick((t) => t + 1);
    }, 50);
  };
}

/** The live assist screen for one assist (the app keys it by id). */
export function AssistScreen({ id, me, onUnauthorized }: { id: string; me: User; onUnauthorized: () => void }) {
  const bump = useCoalescedTick();
  const [session] = useState(() => new LiveSession(id, bump, onUnauthorized));
  const [details, setDetails] = useState<AssistDetails | null>(null);
  const [loadErr, setLoadErr] = useState<string | null>(null);
  const [actionErr, setActionErr] = useState<string | null>(null);
  const [ending, setEnding] = useState(false);
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [mode, setMode] = useViewMode();
  const stage = useRef<HTMLDivElement>(null);
  const room = useRoom(me.id, stage, () => session.interact.hasControl);
  const [gestures] = useState(() => new Gestures(session, bump));
  const [tool, setToolState] = useState<Tool>(null);
  const [color, setColorState] = useState<string>(strokeColors[0]);
  const setTool = (t: Tool) => {
    gestures.setTool(t);
    setToolState(t);
  };
  const setColor = (c: string) => {
    gestures.color = c;
    setColorState(c);
  };

  const load = () =>
    api
      .assist(id)
      .then((d) => setDetails(d))
      .catch((e) => setLoadErr(errorMessage(e)));

  useEffect(() => {
    load();
    session.start();
    const undo = setDebugSource({
      lastAppliedSeq: () => session.lastApplied,
      replayer: () => session.player.replayer,
      callStats: () => session.calls.stats(),
    });
    return () => {
      undo();
      gestures.stop();
      session.stop();
    };
  }, []);

  let state: AssistState | undefined = session.state ?? details?.assist.state;
  // Pages only flow after the person allowed, whatever frame said so first.
  if (session.player.drawn && (state === "waiting" || state === "consenting")) state = "live";
  const ended = state === "ended";

  // The end reason comes with the ended frame; when the channel only closed, ask the API.
  useEffect(() => {
    if (ended && !session.endReason && !details?.assist.endReason) load();
  }, [ended]);

  const a = details?.assist;
  const health = healthLabel(session.link, session.health);
  const pages = mergePages(details, session.stream.pages);
  const current = session.stream.current ?? a?.pageId ?? null;
  const currentPage = pages.find((p) => p.pageId === current);
  const pageUrl = currentPage?.url || a?.pageUrl || "";
  const viewport = session.stream.viewport ?? a?.viewport ?? null;
  const player = session.player;
  const endReason = session.endReason ?? a?.endReason ?? "";
  const denied = session.closeCode === 4403 || session.closeCode === 4404;
  // A page change redraws the mirror but keeps the tools and control.
  const interactive = state === "live" && !ended && !session.joinWait;
  const ix = session.interact;

  // Tools need a live assist; put them down when it ends.
  useEffect(() => {
    if (ended && tool) setTool(null);
  }, [ended]);

  // The End button the keyboard was on is gone once the assist ends: the
  // focus goes to the Replay link in its place rather than to the page's top.
  const actions = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (ended && (!document.activeElement || document.activeElement === document.body)) actions.current?.querySelector<HTMLElement>("a[href]")?.focus();
  }, [ended]);

  const end = async () => {
    setConfirmEnd(false);
    setEnding(true);
    setActionErr(null);
    try {
      const r = await api.end(id);
      if (r?.assist) setDetails((d) => (d ? { ...d, assist: r.assist } : { assist: r.assist }));
      session.state = "ended";
      session.channel.stop();
      bump();
    } catch (e) {
      setActionErr(errorMessage(e));
    } finally {
      setEnding(false);
    }
  };

  const accept = async () => {
    setActionErr(null);
    try {
      const r = await api.accept(id);
      if (r?.assist) setDetails((d) => (d ? { ...d, assist: r.assist } : { assist: r.assist }));
    } catch (e) {
      setActionErr(errorMessage(e));
    }
  };

  if (loadErr && !a) {
    return (
      <div class="screen">
        <div class="screen-body">
          <Empty title="This assist cannot be shown" icon="queue">
            {loadErr}
            <div class="empty-actions">
              <Link class="btn" href={paths.queue}>
                Back to the queue
              </Link>
            </div>
          </Empty>
        </div>
      </div>
    );
  }

  let overlay = null;
  if (denied) {
    const title =
      session.closeCode === 4404
        ? "No such assist"
        : session.joinWait
          ? "The person did not allow you to join"
          : "You cannot watch this assist";
    overlay = (
      <div class="mirror-overlay" data-testid="watch-denied">
        <Empty title={title} icon="user" />
      </div>
    );
  } else if (session.joinWait && !ended) {
    overlay = (
      <div class="mirror-overlay" data-testid="join-wait">
        <div class="waiting-card">
          <Spinner />
          <div>
            <div class="empty-title">{session.joinWait}…</div>
            <div class="empty-text">This site asks the person before each further agent sees their page.</div>
          </div>
        </div>
      </div>
    );
  } else if (state === "waiting") {
    overlay = (
      <div class="mirror-overlay">
        <Empty title="Waiting for an agent to accept" icon="queue">
          Accept to ask the person for permission to see their page.
          <div class="empty-actions">
            <button class="btn btn-primary" data-testid="accept" onClick={accept}>
              Accept
            </button>
          </div>
        </Empty>
      </div>
    );
  } else if (state === "consenting") {
    overlay = (
      <div class="mirror-overlay" data-testid="consent-wait">
        <div class="waiting-card">
          <Spinner />
          <div>
            <div class="empty-title">Waiting for the person to allow…</div>
            <div class="empty-text">They see a prompt on their page. Nothing is shared until they choose Allow.</div>
          </div>
        </div>
      </div>
    );
  } else if (!ended && !player.drawn) {
    overlay = (
      <div class="mirror-overlay">
        <div class="waiting-card">
          <Spinner />
          <div class="empty-title">{session.awaitingSnapshot ? "Asking the page for a fresh snapshot…" : "Waiting for the page to arrive…"}</div>
        </div>
      </div>
    );
  }

  return (
    <div class={`screen assist-screen${room.fill ? " room-fill" : ""}${room.sideHidden ? " side-hidden" : ""}`} data-testid="assist-screen">
      <header class="assist-head">
        <Link class="back" href={paths.queue} title="Back to the queue">
          ←
        </Link>
        <Avatar name={a?.personId || "?"} size={32} />
        <div class="ah-main">
          <div class="ah-line">
            <span class="ah-person" data-testid="assist-person">
              {a?.personId || "…"}
            </span>
            <VerifiedBadge v={a?.verified} />
            {a?.siteName && <span class="qi-site">{a.siteName}</span>}
            {state && <StatePill state={state} testid="assist-state" />}
            <Pill tone={health.tone} testid="health" class="health-pill" title={healthTitle(session)}>
              {health.text}
            </Pill>
          </div>
          <div class="ah-sub">
            {pageUrl ? (
              <a href={pageUrl} target="_blank" rel="noopener noreferrer" class="ah-url" data-testid="assist-url" title={pageUrl}>
                {shortURL(pageUrl)}
              </a>
            ) : (
              <span class="muted">—</span>
            )}
            <span class="muted">{browserLabel(a?.userAgent)}</span>
          </div>
        </div>
        <div class="head-actions" ref={actions}>
          <span class="viewport" data-testid="viewport" title="The person's window (CSS pixels) and device pixel ratio">
            {viewportLabel(viewport) || "—"}
          </span>
          <ViewToggle mode={mode} onChange={setMode} />
          <RoomButtons room={room} />
          {!ended && (
            <button class="btn btn-ghost btn-icon" title="Ask the page for a fresh snapshot" onClick={() => session.requestSnapshot()} disabled={session.link !== "open"}>
              <Icon name="refresh" />
            </button>
          )}
          {ended ? (
            <Link class="btn" href={paths.replay(id)} data-testid="replay-link">
              <Icon name="replay" /> Replay
            </Link>
          ) : (
            <button class="btn btn-danger" data-testid="end-assist" onClick={() => setConfirmEnd(true)} disabled={ending} aria-haspopup="dialog">
              {ending ? <Spinner /> : <Icon name="stop" />} End
            </button>
          )}
        </div>
      </header>
      {ended && (
        <div class="ended-banner" role="status">
          <strong>This assist has ended.</strong>
          <span data-testid="ended-reason">{endReason || "ended"}</span>
          <Link href={paths.replay(id)}>Watch the replay →</Link>
        </div>
      )}
      {confirmEnd && !ended && <EndConfirm inCall={session.calls.view?.state === "active" || session.calls.view?.state === "ringing"} onConfirm={() => void end()} onCancel={() => setConfirmEnd(false)} />}
      <ErrorNote message={actionErr} />
      <Participants session={session} me={me} verified={a?.verified} />
      <div class="assist-body">
        <div class="live-main" ref={stage} data-testid="live-main">
          {(room.fill || room.fullscreen) && (
            <div class="room-float">
              <RoomButtons room={room} />
            </div>
          )}
          {!ended && !denied && (
            <LiveToolbar session={session} gestures={gestures} tool={tool} onTool={setTool} color={color} onColor={setColor} pageUrl={pageUrl} live={interactive} />
          )}
          <Mirror
            size={player.size ?? (viewport ? { width: viewport.width, height: viewport.height } : null)}
            mode={mode}
            marks={player.marks}
            onHost={(el) => (el ? player.attach(el) : player.detach())}
            control={ix.hasControl}
            stage={interactive ? <MirrorOverlay session={session} gestures={gestures} /> : null}
          >
            {overlay}
            <Toasts toasts={ix.toasts} onClose={(id) => ix.dropToast(id)} />
          </Mirror>
          <CallPanel session={session} personName={a?.personId || "Person"} />
          {/* In full screen only the stage is drawn: the help opens inside it. */}
          {room.helpOpen && room.fullscreen && <RoomHelp onClose={() => room.setHelp(false)} />}
        </div>
        <aside class="side-panel" hidden={room.sideHidden || room.fill} data-testid="side-panel">
          <AssistChat conversationId={a?.conversationId} />
          <TabsSection tabs={session.tabs} />
          <section class="pages">
            <h3>
              Pages <span class="section-count">{pages.length}</span>
            </h3>
            {pages.length === 0 ? (
              <div class="muted small">Pages the person visits appear here.</div>
            ) : (
              <ul>
                {pages.map((p) => (
                  <li
                    key={p.pageId}
                    class={`page-item${p.pageId === current ? " current" : ""}`}
                    data-testid="page-item"
                    data-page-id={p.pageId}
                    data-current={p.pageId === current ? "true" : "false"}
                    title={p.url}
                  >
                    <Icon name="page" size={14} />
                    <span class="page-title">{p.title || shortURL(p.url) || p.pageId}</span>
                    {p.title && <span class="page-url">{shortURL(p.url)}</span>}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <div class="devtools-bar">
            <button
              class="btn btn-ghost devtools-toggle"
              data-testid="devtools-toggle"
              aria-expanded={!room.devtoolsHidden}
              title={room.devtoolsHidden ? "Show the devtools (D)" : "Hide the devtools (D)"}
              onClick={room.toggleDevtools}
            >
              {room.devtoolsHidden ? "▸" : "▾"} Devtools
            </button>
          </div>
          <div class="devtools-wrap" hidden={room.devtoolsHidden} data-testid="devtools-wrap">
            <Devtools rows={session.stream.rows} base={player.firstTs} />
          </div>
        </aside>
      </div>
      {room.helpOpen && !room.fullscreen && <RoomHelp onClose={() => room.setHelp(false)} />}
    </div>
  );
}

function healthTitle(s: LiveSession): string {
  const h = s.health;
  if (!h) return "Channel to the server";
  const parts = [];
  if (h.personRttMs !== undefined) parts.push(`person ↔ server ${Math.round(h.personRttMs)} ms`);
  if (h.agentRttMs !== undefined) parts.push(`you ↔ server ${Math.round(h.agentRttMs)} ms`);
  return parts.join(", ");
}

/** Pages from the stored list, then any the channel told about since; one entry per page id. */
function mergePages(details: AssistDetails | null, live: PageVisit[]): PageVisit[] {
  const out: PageVisit[] = [];
  for (const p of details?.pages ?? []) {
    if (!out.some((o) => o.pageId === p.pageId)) out.push({ pageId: p.pageId, url: p.url, title: p.title ?? "" });
  }
  for (const p of live) {
    const i = out.findIndex((o) => o.pageId === p.pageId);
    if (i >= 0) out[i] = { ...out[i], url: p.url || out[i].url, title: p.title || out[i].title };
    else out.push(p);
  }
  return out;
}

function Participants({ session, me, verified }: { session: LiveSession; me: User; verified?: VerifiedPerson }) {
  const pr = session.presence;
  const agents = pr?.agents ?? [];
  const others = agents.filter((a) => a.id !== me.id);
  const link = session.personLink;
  const text = personLinkText[link];
  return (
    <div class="participants" data-testid="participants">
      <span
        class={`presence-person ${link === "connected" || link === "back" ? "on" : link === "disconnected" ? "away" : ""}`}
        data-testid="person-presence"
        data-state={link}
        title={text.title}
        role="status"
      >
        <span class="dot" />
        {text.label}
      </span>
      <VerifiedBadge v={verified} />
      <span class="sep" />
      <span class="muted small">Watching:</span>
      <span class="watcher" data-testid="watcher" data-agent-id={me.id}>
        <Avatar name={me.name || me.email} size={20} /> You
      </span>
      {others.map((a) => (
        <span class="watcher" key={a.id} data-testid="watcher" data-agent-id={a.id}>
          <Avatar name={a.name} size={20} /> {a.name}
        </span>
      ))}
      {navigateHint()}
    </div>
  );
}

function navigateHint() {
  return (
    <span class="hint">
      <kbd>F</kbd> fit · <kbd>1</kbd> actual size · <kbd>/</kbd> filter · <kbd>?</kbd> all shortcuts
    </span>
  );
}


/** The buttons that make room: side panel, fill the window, full screen, the shortcut help. */
function RoomButtons({ room }: { room: Room }) {
  return (
    <div class="segmented room-buttons" role="group" aria-label="Layout">
      <button aria-pressed={!room.sideHidden && !room.fill} data-testid="toggle-side" title="Side panel (S)" onClick={room.toggleSide} disabled={room.fill}>
        Panel
      </button>
      <button aria-pressed={room.fill} data-testid="toggle-fill" title="Fill the window (M)" onClick={room.toggleFill}>
        Fill
      </button>
      <button aria-pressed={room.fullscreen} data-testid="toggle-fullscreen" title="Full screen (Shift+F)" onClick={room.toggleFullscreen}>
        Full screen
      </button>
      <button data-testid="shortcut-help-open" title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts" onClick={() => room.setHelp(true)}>
        ?
      </button>
    </div>
  );
}
