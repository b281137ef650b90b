// The replay view: an ended (or running) assist played back from its
// recording, with play/pause, seek, speed, and the devtools panel and click
// marks following the player's clock.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Replayer } from "rrweb";
import { api, AssistDetails, errorMessage } from "../../shared/api";
import { setDebugSource } from "../app/debug";
import { AssistChat } from "../chat/assistchat";
import { Devtools } from "../common/devtools";
import { EventType } from "../../shared/replay/events";
import { clock, shortURL, viewportLabel, when } from "../../shared/format";
import { marksAt } from "../../shared/replay/marks";
import { Mirror, MirrorMark } from "../live/mirror";
import { createMirror, Mirror as MirrorPlayer, Size } from "../../shared/replay/player";
import { Replay, ReplayBuilder } from "../../shared/replay/recording";
import { ShareButton } from "../share/dialog";
import { recordingGone } from "../common/retention";
import { Link } from "../app/router";
import { paths } from "../app/routes";
import { rowsUntil } from "../../shared/replay/rows";
import { pauseOffset, seekPosition } from "../../shared/replay/seek";
import { idleGaps, idleSaved, Marker, nextMarker, skipTarget, timelineMarkers } from "../../shared/replay/timeline";
import { MarkerList, MarkerNav, SkipToggle, Timeline, useSkipIdle } from "./timeline";
import { useViewMode } from "../live/assist";
import { ViewToggle } from "../live/mirror";
import { browserLabel } from "../common/ua";
import { Avatar, Empty, ErrorNote, Icon, Loading, StatePill } from "../common/ui";
import { ShortcutHelp, useScreenShortcuts } from "../common/shortcuts";
import { arrowStepMs, ReplayAction, replayShortcuts } from "./shortcuts";
import { VideoPanel } from "../video/panel";
import { noReplayReason } from "./availability";

const speeds = [1, 2, 4, 8];

/** The replay screen for one assist. */
export function ReplayScreen({ id }: { id: string }) {
  const [details, setDetails] = useState<AssistDetails | null>(null);
  const [replay, setReplay] = useState<Replay | null>(null);
  const [loading, setLoading] = useState(true);
  const [err, setErr] = useState<string | null>(null);
  // Set when the site's retention deleted the recording: said, not an error.
  const [gone, setGone] = useState<string | null>(null);

  useEffect(() => {
    api
      .assist(id)
      .then(setDetails)
      .catch((e) => setErr(errorMessage(e)));
    // The recording streams in: the replay is shown, and can play, from
    // its first page on, and grows as the rest arrives.
    const builder = new ReplayBuilder();
    const abort = new AbortController();
    let shown = false;
    setReplay(null);
    setLoading(true);
    api
      .recordingStream(
        id,
        {
          assist: (a) => setDetails((d) => d ?? { assist: a }),
          frames: (fs) => {
            builder.add(fs);
            const r = builder.replay();
            if (r.events.length >= 2 || shown) {
              shown = true;
              setReplay(r);
            }
          },
        },
        abort.signal,
      )
      .then(() => setReplay(builder.replay()))
      .catch((e) => {
        if (abort.signal.aborted) return;
        const gone = recordingGone(e);
        if (gone) setGone(gone);
        else setErr(errorMessage(e));
      })
      .finally(() => {
        if (!abort.signal.aborted) setLoading(false);
      });
    return () => abort.abort();
  }, [id]);

  const a = details?.assist;
  const noReplay = a ? noReplayReason(a) : null;
  return (
    <div class="screen replay-screen">
      <header class="assist-head">
        <Link class="back" href={paths.history} title="Back to history">
          ←
        </Link>
        <Avatar name={a?.personId || "?"} size={32} />
        <div class="ah-main">
          <div class="ah-line">
            <span class="ah-person">{a?.personId || "…"}</span>
            {a?.siteName && <span class="qi-site">{a.siteName}</span>}
            {a && <StatePill state={a.state} />}
            <span class="muted small">Replay</span>
            {a?.state === "ended" && !noReplay && <ShareButton kind="assist" id={id} />}
          </div>
          <div class="ah-sub">
            {a?.pageUrl && (
              <span class="ah-url" title={a.pageUrl}>
                {shortURL(a.pageUrl)}
              </span>
            )}
            <span class="muted">{browserLabel(a?.userAgent)}</span>
            {a?.startedAt && <span class="muted">{when(a.startedAt)}</span>}
          </div>
        </div>
      </header>
      <ErrorNote message={err} />
      {a?.state === "ended" && !gone && !noReplay && <VideoPanel kind="assist" id={id} />}
      {noReplay ? (
        <div class="replay-layout">
          <div class="replay-main" data-testid="no-replay">
            <Empty title="No replay" icon="replay">
              {noReplay}
            </Empty>
          </div>
          <aside class="side-panel">
            <section class="details">
              <Consents consents={details?.consents ?? []} />
            </section>
          </aside>
        </div>
      ) : gone ? (
        <div data-testid="recording-deleted">
          <Empty title="Recording deleted" icon="history">
            {gone}
          </Empty>
        </div>
      ) : !replay ? (
        !err && (
          <Loading>Loading the recording…</Loading>
        )
      ) : (
        <ReplayBody replay={replay} details={details} loading={loading} />
      )}
    </div>
  );
}

/**
 * The player, its controls and side panel. shared is the read-only page of
 * a share link (share/page.tsx): no conversation there.
 */
export function ReplayBody(props: { replay: Replay; details: AssistDetails | null; loading: boolean; shared?: boolean }) {
  const { replay, details, loading, shared } = props;
  const host = useRef<HTMLElement | null>(null);
  const player = useRef<Replayer | null>(null);
  const mirror = useRef<MirrorPlayer | null>(null);
  const fed = useRef(0); // events of replay.events the player has
  const [size, setSize] = useState<Size | null>(replay.viewport ? { width: replay.viewport.width, height: replay.viewport.height } : null);
  const [playing, setPlaying] = useState(false);
  const [cur, setCur] = useState(0);
  const [speed, setSpeed] = useState(1);
  const [mode, setMode] = useViewMode();
  const [skipIdle, setSkipIdle] = useSkipIdle();
  const markers = useMemo(() => timelineMarkers(replay.marks, replay.pages, replay.rows), [replay]);
  const gaps = useMemo(() => idleGaps(replay.events, markers), [replay.events, markers]);
  const total = Math.max(0, replay.end - replay.start);
  // The player's handlers outlive renders; the length grows while loading.
  const totalRef = useRef(total);
  totalRef.current = total;
  const playable = replay.events.length >= 2;

  // The player is made once there is a page to draw; the events that
  // stream in later are added to it (replay.events only grows).
  useEffect(() => {
    if (!playable || !host.current) return;
    const m = createMirror(replay.events, {
      root: host.current,
      speed: 1,
      skipInactive: false,
    });
    const r = m.replayer;
    mirror.current = m;
    fed.current = replay.events.length;
    r.on("resize", (d) => {
      const { width, height } = d as Size;
      if (width && height) setSize({ width, height });
    });
    r.on("finish", () => {
      setPlaying(false);
      setCur(totalRef.current);
    });
    // Open on the first page drawn rather than on a blank frame.
    const snap = replay.events.find((e) => e.type === EventType.FullSnapshot);
    r.pause(pauseOffset(snap ? snap.timestamp - replay.start : 0));
    player.current = r;
    const undo = setDebugSource({ lastAppliedSeq: () => 0, replayer: () => player.current });
    return () => {
      undo();
      player.current = null;
      mirror.current = null;
      try {
        r.destroy();
      } catch {
        // already torn down
      }
    };
  }, [playable, replay.events]);

  useEffect(() => {
    const m = mirror.current;
    if (!m) return;
    for (; fed.current < replay.events.length; fed.current++) m.add(replay.events[fed.current]);
  }, [replay]);

  // Follow the player's clock while it plays, and pass over idle
  // stretches when skipping is on (a jump is a seek: rrweb applies every
  // event before the target at once).
  useEffect(() => {
    if (!playing) return;
    const t = setInterval(() => {
      const r = player.current;
      if (!r) return;
      let now = r.getCurrentTime();
      const to = skipIdle ? skipTarget(gaps, replay.start + now) : null;
      if (to !== null) {
        now = to - replay.start;
        r.play(now);
      }
      setCur(Math.min(totalRef.current, Math.max(0, now)));
    }, 100);
    return () => clearInterval(t);
  }, [playing, skipIdle, gaps, replay.start]);

  const play = () => {
    const r = player.current;
    if (!r) return;
    const from = cur >= total ? 0 : cur;
    r.play(from);
    setCur(from);
    setPlaying(true);
  };
  const pause = () => {
    const r = player.current;
    if (!r) return;
    r.pause();
    setCur(Math.min(total, r.getCurrentTime()));
    setPlaying(false);
  };
  const seek = (ms: number) => {
    const r = player.current;
    const t = seekPosition(ms, total);
    setCur(t);
    if (!r) return;
    if (playing) r.play(t);
    else r.pause(pauseOffset(t));
  };
  const step = (dir: 1 | -1) => {
    const m = nextMarker(markers, replay.start + cur, dir);
    if (m) seek(m.ts - replay.start);
  };
  const changeSpeed = (s: number) => {
    setSpeed(s);
    player.current?.setConfig({ speed: s });
  };

  const [helpOpen, setHelp] = useScreenShortcuts<ReplayAction>(
    replayShortcuts,
    {
      playPause: () => (playing ? pause() : play()),
      back: () => seek(cur - arrowStepMs),
      forward: () => seek(cur + arrowStepMs),
      prevMarker: () => step(-1),
      nextMarker: () => step(1),
    },
    // Space on a focused button presses it: the button handles it.
    (e) => e.key === " " && (e.target as HTMLElement | null)?.tagName === "BUTTON",
  );

  const at = replay.start + cur;
  const rows = rowsUntil(replay.rows, at);
  const marks: MirrorMark[] = marksAt(replay.marks, at).map((m) => ({ ...m, key: `${m.ts}:${m.x}:${m.y}`, ageMs: at - m.ts }));
  const currentPage = [...replay.pages].reverse().find((p) => p.ts !== undefined && p.ts <= at) ?? replay.pages[0];

  return (
    <div class="replay-layout">
      <div class="replay-main">
        <div class="replay-toolbar">
          <span class="viewport" data-testid="viewport">
            {viewportLabel(size ? { ...size, dpr: replay.viewport?.dpr } : replay.viewport) || "—"}
          </span>
          {currentPage && (
            <span class="muted small replay-page" title={currentPage.url}>
              {currentPage.title || shortURL(currentPage.url)}
            </span>
          )}
          {loading && (
            <span class="muted small" data-testid="replay-loading">
              Loading the rest…
            </span>
          )}
          <div class="tabs-fill" />
          <ViewToggle mode={mode} onChange={setMode} />
        </div>
        {playable ? (
          <Mirror size={size} mode={mode} marks={marks} paused={!playing} onHost={(el) => (host.current = el)} />
        ) : (
          <div class="mirror">
            <Empty title="Nothing to replay" icon="replay">
              No page was captured in this assist — the person may not have allowed, or left before the first snapshot.
            </Empty>
          </div>
        )}
        <div class="controls">
          {playing ? (
            <button class="btn btn-icon btn-play" data-testid="replay-pause" onClick={pause} title="Pause (Space)" aria-label="Pause">
              <Icon name="pause" />
            </button>
          ) : (
            <button class="btn btn-icon btn-play" data-testid="replay-play" onClick={play} disabled={!playable} title="Play (Space)" aria-label="Play">
              <Icon name="play" />
            </button>
          )}
          <MarkerNav disabled={!playable || markers.length === 0} onStep={step} />
          <Timeline start={replay.start} end={replay.end} cur={cur} disabled={!playable} markers={markers} onSeek={seek} />
          <span class="time" data-testid="replay-time">
            {clock(cur)} / {clock(total)}
          </span>
          <select
            class="speed"
            value={String(speed)}
            data-testid="replay-speed"
            aria-label="Speed"
            onChange={(e) => changeSpeed(Number((e.currentTarget as HTMLSelectElement).value))}
          >
            {speeds.map((s) => (
              <option key={s} value={String(s)}>
                {s}×
              </option>
            ))}
          </select>
          <SkipToggle on={skipIdle} saved={idleSaved(gaps)} onChange={setSkipIdle} />
        </div>
      </div>
      <aside class="side-panel">
        {!shared && <AssistChat conversationId={details?.assist.conversationId} />}
        <Devtools rows={rows} base={replay.start} />
        <Details replay={replay} details={details} onSeek={(ts) => seek(ts - replay.start)} at={at} markers={markers} />
      </aside>
      {helpOpen && (
        <ShortcutHelp shortcuts={replayShortcuts} onClose={() => setHelp(false)}>
          Shortcuts do nothing while you type in a field.
        </ShortcutHelp>
      )}
    </div>
  );
}

function Details(props: { replay: Replay; details: AssistDetails | null; onSeek(ts: number): void; at: number; markers: readonly Marker[] }) {
  const { replay, details, onSeek, at, markers } = props;
  const currentMarker = [...markers].reverse().find((m) => m.ts <= at) ?? null;
  const a = details?.assist;
  const consents = details?.consents ?? [];
  const audit = details?.audit ?? [];
  const stored = details?.pages ?? [];
  const pages = replay.pages.length
    ? replay.pages
    : stored.map((p) => ({ pageId: p.pageId, url: p.url, title: p.title ?? "", ts: undefined as number | undefined }));
  const current = [...pages].reverse().find((p) => p.ts !== undefined && p.ts <= at);
  return (
    <section class="details" data-testid="replay-details">
      <h3>
        Pages <span class="section-count">{pages.length}</span>
      </h3>
      {pages.length === 0 ? (
        <div class="muted small">No pages were captured.</div>
      ) : (
        <ul class="page-list">
          {pages.map((p) => (
            <li key={p.pageId} class={`page-item${current?.pageId === p.pageId ? " current" : ""}`} data-testid="page-item">
              <button class="linklike" disabled={p.ts === undefined} onClick={() => p.ts !== undefined && onSeek(p.ts)} title={p.url}>
                <Icon name="page" size={14} />
                <span class="page-title">{p.title || shortURL(p.url) || p.pageId}</span>
              </button>
              {p.ts !== undefined && <span class="page-url">{clock(p.ts - replay.start)}</span>}
            </li>
          ))}
        </ul>
      )}
      <MarkerList markers={markers} start={replay.start} current={currentMarker} onSeek={(ms) => onSeek(replay.start + ms)} />
      <Consents consents={consents} />
      <h3>Audit log</h3>
      {audit.length === 0 ? (
        <div class="muted small">No entries.</div>
      ) : (
        <ul class="kv-list audit" data-testid="audit">
          {audit.map((e, i) => (
            <li key={i}>
              <span class="audit-action">{e.action}</span> <span class="muted">{e.actor}</span>
              {e.detail && <span> — {e.detail}</span>}
              <div class="muted small">{when(e.at)}</div>
            </li>
          ))}
        </ul>
      )}
      {a && (
        <>
          <h3>Assist</h3>
          <ul class="kv-list">
            <li>Asked {when(a.createdAt)}</li>
            {a.startedAt && <li>Started {when(a.startedAt)}</li>}
            {a.endedAt && (
              <li>
                Ended {when(a.endedAt)}
                {a.endReason && <> — {a.endReason}</>}
              </li>
            )}
            {a.agentName && <li>Agent: {a.agentName}</li>}
            <li>Length: {clock(replay.end - replay.start)}</li>
          </ul>
        </>
      )}
    </section>
  );
}

/** The person's recorded answers to the request to see their page. */
function Consents({ consents }: { consents: NonNullable<AssistDetails["consents"]> }) {
  return (
    <>
      <h3>Consent</h3>
      {consents.length === 0 ? (
        <div class="muted small">No consent recorded.</div>
      ) : (
        <ul class="kv-list" data-testid="consents">
          {consents.map((c, i) => (
            <li key={i}>
              <span class={c.allowed ? "ok-text" : "bad-text"}>{c.allowed ? "Allowed" : "Denied"}</span> via {c.method}
              {c.pageUrl && <> on {shortURL(c.pageUrl)}</>} · {when(c.at)}
              {c.text && <div class="quote">“{c.text}”</div>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
