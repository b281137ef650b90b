// The render page: what the video renderer (internal/video) loads in a
// headless browser to draw a recording one frame at a time. It replays with
// the console's own pieces (the sanitizing mirror of player.ts, the replay
// builder, click marks, devtools rows) and, for terminals, xterm.js as the
// terminal page does. It never plays in real time: the renderer calls
// window.tandemRender.seek(t) for each frame, then captures the screen.
//
// The recording comes from the renderer's own listener, at
// /api/v1/assists/{token}/recording (NDJSON, as the server answers it) or
// /api/v1/terminals/{token}/recording (asciicast v2), the token in the
// page's #fragment.

import "@xterm/xterm/css/xterm.css";
import "./style.css";
import type { Replayer } from "rrweb";
import { api } from "../shared/api";
import { EventType, RREvent } from "../shared/replay/events";
import { marksAt } from "../shared/replay/marks";
import { createMirror } from "../shared/replay/player";
import { PointerSample, pointerAt, pointerSamples } from "../shared/replay/pointer";
import { Replay, ReplayBuilder } from "../shared/replay/recording";
import { Row, rowsUntil } from "../shared/replay/rows";
import { pauseOffset } from "../shared/replay/seek";
import { CastEvent, CastParser } from "../terminal/replay";
import { Terminal } from "@xterm/xterm";

/** What the renderer asks for. Width and height 0: the recording's own size. */
interface Options {
  width: number;
  height: number;
  clicks: boolean;
  pointer: boolean;
  devtools: boolean;
}

/** What load answers: the natural size, and the times (ms from the start) something happens. */
interface Loaded {
  width: number;
  height: number;
  duration: number;
  times: number[];
}

const stage = document.getElementById("stage") as HTMLElement;
const token = location.hash.slice(1);
/**
 * Draws the moment ms of the recording, before the renderer captures it. It
 * answers a key of what is drawn: the same key as the frame before means the
 * same picture, and the renderer reuses that frame's image instead of
 * capturing again (most of a session is still).
 */
let seekTo: (ms: number) => Promise<string> = async () => "";
let size = { width: 0, height: 0 };

function div(cls: string, parent: HTMLElement): HTMLElement {
  const d = document.createElement("div");
  d.className = cls;
  parent.appendChild(d);
  return d;
}

/** Rounds a side up to an even number within the renderer's bounds (internal/video, even). */
function even(n: number): number {
  const v = Math.max(64, Math.min(3840, Math.round(n)));
  return v + (v % 2);
}

/** Sets the stage to the video's size. */
function setStage(width: number, height: number): void {
  size = { width, height };
  stage.style.width = `${width}px`;
  stage.style.height = `${height}px`;
}

/**
 * Pins every animation and transition, the render page's and the mirror's,
 * to the frame's time, so that the same frame looks the same every time.
 */
function pinAnimations(ms: number): void {
  const docs: Document[] = [document];
  for (const f of Array.from(document.querySelectorAll("iframe"))) {
    try {
      if (f.contentDocument) docs.push(f.contentDocument);
    } catch {
      // a frame of another origin has nothing of ours to pin
    }
  }
  for (const d of docs) {
    for (const a of d.getAnimations()) {
      a.pause();
      a.currentTime = ms;
    }
  }
}

/** The largest viewport the person had, from the recording's Meta events. */
function largestViewport(events: readonly RREvent[]): { width: number; height: number } | null {
  let best: { width: number; height: number } | null = null;
  for (const e of events) {
    if (e.type !== EventType.Meta) continue;
    const d = e.data as { width?: unknown; height?: unknown } | undefined;
    const w = Number(d?.width);
    const h = Number(d?.height);
    if (!(w > 0 && h > 0)) continue;
    if (!best || w * h > best.width * best.height) best = { width: Math.round(w), height: Math.round(h) };
  }
  return best;
}

/** A row the devtools strip shows: console errors, page errors and failed requests. */
function problem(r: Row): boolean {
  return r.kind === "error" || (r.kind === "console" && r.level === "error") || (r.kind === "network" && !!r.failed);
}

function rowText(r: Row): string {
  if (r.kind === "network") return `${r.method ?? "GET"} ${r.url ?? ""} ${r.status ? r.status : r.error ?? "failed"}`;
  return r.text;
}

async function loadAssist(o: Options): Promise<Loaded> {
  const builder = new ReplayBuilder();
  await api.recordingStream(token, { assist() {}, frames: (fs) => builder.add(fs) });
  const replay: Replay = builder.replay();
  if (replay.events.length < 2) throw new Error("the recording has no page to draw");
  const natural = largestViewport(replay.events) ?? replay.viewport ?? { width: 1280, height: 720 };
  const width = even(o.width || natural.width);
  const height = even(o.height || natural.height);
  setStage(width, height);
  if (!o.pointer) stage.classList.add("no-pointer");

  const stripH = o.devtools ? Math.max(60, Math.round(height * 0.16)) : 0;
  const screen = div("screen", stage);
  screen.style.width = `${width}px`;
  screen.style.height = `${height - stripH}px`;
  const host = div("host", screen);
  const overlay = div("host", screen);
  const strip = o.devtools ? div("strip", stage) : null;
  if (strip) strip.style.height = `${stripH}px`;

  const m = createMirror(replay.events, { root: host, speed: 1, skipInactive: false, mouseTail: false });
  const r: Replayer = m.replayer;
  // The page is scaled to fit the screen area, centred, as the console's "fit" view does.
  let view = { width: natural.width, height: natural.height };
  const place = () => {
    const s = Math.min(width / view.width, (height - stripH) / view.height);
    const left = Math.round((width - view.width * s) / 2);
    const top = Math.round((height - stripH - view.height * s) / 2);
    for (const el of [host, overlay]) {
      el.style.width = `${view.width}px`;
      el.style.height = `${view.height}px`;
      el.style.transform = `translate(${left}px, ${top}px) scale(${s})`;
    }
  };
  r.on("resize", (d) => {
    const { width: w, height: h } = d as { width: number; height: number };
    if (w > 0 && h > 0) view = { width: w, height: h };
    place();
  });
  place();

  // rrweb's pointer depends on the events its replayer applied before (see
  // shared/replay/pointer.ts), so each frame places it from the recording.
  const pointers = pointerSamples(replay.events);
  const movable = r as unknown as {
    moveAndHover(x: number, y: number, id: number, isSync: boolean, debugData: unknown): void;
  };
  const placePointer = (p: PointerSample | null) => {
    if (!p) return;
    // A node gone from the page since the position was taken: the page's
    // own document, whose coordinates are the viewport's.
    const mirror = r.getMirror();
    const doc = r.iframe.contentDocument;
    const id = mirror.getNode(p.id) ? p.id : doc ? mirror.getId(doc) : -1;
    if (id >= 0) movable.moveAndHover(p.x, p.y, id, true, null);
  };

  let lastKey = "";
  seekTo = async (ms: number) => {
    const at = replay.start + ms;
    const pointer = pointerAt(pointers, at);
    let applied = 0;
    while (applied < replay.events.length && replay.events[applied].timestamp <= at) applied++;
    const marks = o.clicks ? marksAt(replay.marks, at) : [];
    const rows = strip ? rowsUntil(replay.rows, at).filter(problem) : [];
    // Marks fade in steps of half a second, so that a still page stays still between steps.
    const fades = marks.map((mk) => Math.floor((at - mk.ts) / 500));
    const where = pointer ? `${pointer.x},${pointer.y},${pointer.id}` : "";
    const key = `${applied}|${where}|${marks.map((mk) => mk.ts).join(",")}|${fades.join(",")}|${rows.length}`;
    if (key === lastKey) return key;
    lastKey = key;
    r.pause(pauseOffset(ms));
    placePointer(pointer);
    overlay.replaceChildren();
    marks.forEach((mk, i) => {
      const d = div(`mark ${mk.kind}`, overlay);
      d.style.left = `${mk.x}px`;
      d.style.top = `${mk.y}px`;
      d.style.opacity = String(1 - fades[i] * 0.15);
    });
    if (strip) {
      strip.replaceChildren();
      const head = div("row muted", strip);
      head.textContent = rows.length ? `${rows.length} problem${rows.length === 1 ? "" : "s"}` : "No errors";
      const room = Math.max(1, Math.floor((stripH - 30) / 20));
      for (const row of rows.slice(-room)) {
        const line = div("row bad", strip);
        line.textContent = `${clockOf(row.ts - replay.start)}  ${rowText(row)}`;
      }
    }
    pinAnimations(ms);
    return key;
  };
  const times = replay.events.map((e) => Math.max(0, e.timestamp - replay.start));
  return { width, height, duration: Math.max(0, replay.end - replay.start), times };
}

function clockOf(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

async function loadTerminal(o: Options): Promise<Loaded> {
  const res = await fetch(`/api/v1/terminals/${encodeURIComponent(token)}/recording`);
  if (!res.ok) throw new Error(`reading the recording: ${res.status}`);
  const parser = new CastParser();
  const events: CastEvent[] = [...parser.push(await res.text()), ...parser.end()];
  const header = parser.header;
  if (!header) throw new Error("this is not an asciicast v2 recording");
  const box = div("term", stage);
  const term = new Terminal({
    cols: header.width,
    rows: header.height,
    fontFamily: '"Liberation Mono", "DejaVu Sans Mono", monospace',
    fontSize: 16,
    cursorBlink: false,
    disableStdin: true,
    scrollback: 0,
    theme: { background: "#14151a", foreground: "#e6e8ee", cursor: "#e6e8ee" },
  });
  term.open(box);
  const natural = { width: box.offsetWidth || 1280, height: box.offsetHeight || 720 };
  const width = even(o.width || natural.width);
  const height = even(o.height || natural.height);
  setStage(width, height);
  const s = Math.min(width / natural.width, height / natural.height);
  box.style.left = `${Math.round((width - natural.width * s) / 2)}px`;
  box.style.top = `${Math.round((height - natural.height * s) / 2)}px`;
  box.style.transform = `scale(${s})`;

  let next = 0;
  seekTo = async (ms: number) => {
    let text = "";
    for (; next < events.length && events[next][0] * 1000 <= ms; next++) {
      const [, kind, data] = events[next];
      if (kind === "o") text += data;
      else if (kind === "r") {
        const [c, rws] = data.split("x").map(Number);
        if (c > 0 && rws > 0) term.resize(c, rws);
      }
    }
    if (text) await new Promise<void>((done) => term.write(text, done));
    pinAnimations(ms);
    return String(next);
  };
  const times = events.map((e) => Math.max(0, Math.round(e[0] * 1000)));
  return { width, height, duration: times.length ? times[times.length - 1] : 0, times };
}

/** The renderer's handle on the page. */
const render = {
  load: (kind: "assist" | "terminal", o: Options) => (kind === "assist" ? loadAssist(o) : loadTerminal(o)),
  seek: (ms: number) => seekTo(ms),
  size: () => size,
};
(window as unknown as { tandemRender: typeof render }).tandemRender = render;
