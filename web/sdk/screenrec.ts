// The screen recorder: in recorder.js, it records a screen the page
// describes through Tandem.screen (docs/native-screens.md) instead of the
// DOM. It produces the same data frames as the DOM recorder (meta, snap or
// ref, ev, leave), so that the server, live view, replay and video need
// nothing new: the view tree is checked, masked by the site's mapping and
// converted here, on the device, before anything is sent.

import { hashString, pageIdFor, sentPages } from "./hash";
import { ScreenConverter } from "../shared/viewtree";
import type { RecorderFrame, RecorderHandle, RecorderOptions, ScreenCall, ScreenSource } from "./types";
import { KindEv, KindLeave, KindMeta, KindRef, KindSnap } from "../shared/protocol";

const batchMs = 20;
const batchMax = 500;

type Ev = { type: number; data: unknown; timestamp: number };

/** The URL the agent sees for a screen: the page's, with the screen's name as ?screen=. */
export function screenURL(href: string, page: string): string {
  const u = new URL(href);
  u.hash = "";
  if (page) u.searchParams.set("screen", page);
  return u.href;
}

/** Starts recording o.screen; emit gets the frames. */
export function startScreen(o: RecorderOptions & { screen: ScreenSource }, emit: (f: RecorderFrame) => void, report: (e: unknown) => void): RecorderHandle {
  const src = o.screen;
  const sent = sentPages(o.assistId);
  let conv: ScreenConverter;
  try {
    conv = new ScreenConverter(o.screenMapping || {});
  } catch (e) {
    // A mapping the server accepted always passes; never record unmasked.
    report(e);
    return stopped();
  }
  let url = screenURL(location.href, src.page);
  let pid = pageIdFor(url);
  let batch: Ev[] = [];
  let timer = 0;
  let force = false;
  let done = false;


  function flush(): void {
    clearTimeout(timer);
    timer = 0;
    if (!batch.length) return;
    const d = JSON.stringify(batch);
    batch = [];
    emit({ k: KindEv, p: pid, d });
  }

  function push(e: Ev): void {
    batch.push(e);
    if (batch.length >= batchMax) flush();
    else if (!timer) timer = window.setTimeout(flush, batchMs);
  }

  function viewport(): { width: number; height: number } {
    const b = (src.tree as { bounds?: { w?: number; h?: number } } | null)?.bounds;
    const n = (v: unknown, d: number) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.min(Math.ceil(v), 100000) : d);
    return { width: n(b && b.w, window.innerWidth), height: n(b && b.h, window.innerHeight) };
  }

  // full sends the whole screen: a meta frame and a snap (or a ref).
  function full(): void {
    flush();
    let data;
    const vp = viewport();
    try {
      data = conv.full(src.tree, vp);
    } catch (e) {
      report(e);
      return;
    }
    const now = Date.now();
    const title = document.title;
    emit({ k: KindMeta, p: pid, d: JSON.stringify({ url, title, pageId: pid, viewport: { ...vp, dpr: window.devicePixelRatio || 1 } }) });
    const metaEvent = { type: 4, data: { href: url, width: vp.width, height: vp.height }, timestamp: now };
    const body = JSON.stringify(data);
    const h = hashString(body);
    const snap = "[" + JSON.stringify(metaEvent) + ',{"type":2,"data":' + body + ',"timestamp":' + now + "}]";
    if (!force && sent.get(pid) === h) {
      emit({ k: KindRef, p: pid, h, d: JSON.stringify([metaEvent]), full: snap });
    } else {
      emit({ k: KindSnap, p: pid, h, d: snap });
      sent.remember(pid, h);
    }
    force = false;
  }

  function onCall(c: ScreenCall): void {
    if (done) return;
    if (c.kind === "screen") {
      const next = screenURL(location.href, src.page);
      if (next !== url) {
        // A new page: the agent's history gets a route, then the new screen.
        push({ type: 5, data: { tag: "route", payload: { url: next, title: document.title } }, timestamp: Date.now() });
        flush();
        url = next;
        pid = pageIdFor(url);
      }
      full();
      return;
    }
    if (c.kind === "update") {
      try {
        const m = conv.apply(c.changes);
        if (m.adds.length + m.removes.length + m.texts.length + m.attributes.length) push({ type: 3, data: m, timestamp: Date.now() });
      } catch (e) {
        // The loader's copy and ours disagree: send the screen as it is.
        report(e);
        full();
      }
      return;
    }
    const id = conv.hit(c.x, c.y);
    const t = Date.now();
    push({ type: 3, data: { source: 1, positions: [{ x: c.x, y: c.y, id, timeOffset: 0 }] }, timestamp: t });
    push({ type: 3, data: { source: 2, type: 2, id, x: c.x, y: c.y }, timestamp: t });
  }

  src.listener = onCall;
  full();

  function stopped(): RecorderHandle {
    return { snapshot() {}, forget() {}, flush() {}, leave() {}, stop() {}, node: () => null };
  }

  return {
    snapshot(f: boolean) {
      if (done) return;
      force = f;
      full();
    },
    forget() {
      sent.forget();
    },
    flush,
    leave() {
      if (done) return;
      flush();
      emit({ k: KindLeave, p: pid });
    },
    node: () => null,
    stop() {
      if (done) return;
      done = true;
      clearTimeout(timer);
      batch = [];
      if (src.listener === onCall) src.listener = null;
    },
  };
}
