// The Tandem recorder (recorder.js). The loader injects it only once the
// person has allowed; it records the page with rrweb and hands the loader
// data frames (docs/protocol.md): meta, snap or ref, ev and leave.

import type { eventWithTime, fullSnapshotEvent, serializedNodeWithId } from "@rrweb/types";
import { record, type recordOptions } from "rrweb";
import { install } from "./devtools";
import { hashString, pageIdFor, sentPages } from "./hash";
import { ownSetters } from "./controlled";
import { Masker, maskAttributes, maskText, maskValue, scrub } from "./masking";
import { interact } from "./interact";
import { startScreen } from "./screenrec";
import { Batcher, browserBatchClock } from "./batcher";
import type { RecorderFrame, RecorderHandle, RecorderOptions } from "./types";
import { KindEv, KindLeave, KindMeta, KindRef, KindSnap } from "../shared/protocol";

// Live means live: an event leaves at the end of the task that made it; only
// while the page is busy are events gathered, one frame per batchGapMs
// (batcher.ts).
const batchGapMs = 20;
const batchMax = 500;
// A route change is snapshotted once the new route has had time to render.
const routeSettleMs = 30;

// Every input goes through maskInputFn, which decides per element. rrweb only
// calls it for the tags and types listed here, hence all of them.
const allInputs = {
  input: true,
  textarea: true,
  select: true,
  password: true,
  text: true,
  email: true,
  tel: true,
  url: true,
  search: true,
  number: true,
  date: true,
  "datetime-local": true,
  month: true,
  week: true,
  time: true,
  color: true,
  range: true,
};

function viewport() {
  return { width: window.innerWidth, height: window.innerHeight, dpr: window.devicePixelRatio || 1 };
}

// urgent reports whether an event is the person's own input or click (rrweb's
// Input and MouseInteraction sources): it leaves at once even while busy.
function urgent(e: eventWithTime): boolean {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const src = e.type === 3 ? (e.data as any).source : -1;
  return src === 5 || src === 2;
}

function start(o: RecorderOptions, emit: (f: RecorderFrame) => void, report?: (e: unknown) => void): RecorderHandle {
  // A page that describes its screen (Tandem.screen) is recorded from that, not from its DOM.
  if (o.screen) return startScreen({ ...o, screen: o.screen }, emit, report || (() => {}));
  const masker = new Masker({ strict: o.strictMasking, mask: o.mask, unmask: o.unmask });
  const sent = sentPages(o.assistId);
  const lookup = (id: number) => record.mirror.getNode(id);
  let pid = pageIdFor(location.href);
  let href = location.href;
  let routeTimer = 0;
  let resizeTimer = 0;
  let pendingMeta: eventWithTime | null = null;
  let force = false;
  let stopped = false;
  // Mirror ids of the Tandem control's host: it is never sent.
  const uiIds = new Set<number>();
  const undo: (() => void)[] = [];
  // Fields whose framework sets values past rrweb's hooks (controlled.ts).
  const fields = ownSetters();


  const batch = new Batcher<eventWithTime>((evs) => emit({ k: KindEv, p: pid, d: JSON.stringify(evs) }), browserBatchClock, {
    gapMs: batchGapMs,
    max: batchMax,
  });
  const flush = () => batch.flush();

  function meta(): void {
    emit({ k: KindMeta, p: pid, d: JSON.stringify({ url: location.href, title: document.title, pageId: pid, viewport: viewport() }) });
  }

  const isUI = (n: serializedNodeWithId) =>
    n.type === 2 && typeof n.attributes.class === "string" && n.attributes.class.split(/\s+/).indexOf(o.uiClass) >= 0;

  // dropUI takes the control's host out of a serialized tree.
  function dropUI(node: serializedNodeWithId): void {
    const stack = [node];
    while (stack.length) {
      const n = stack.pop() as serializedNodeWithId;
      if (!("childNodes" in n)) continue;
      n.childNodes = n.childNodes.filter((c) => {
        if (!isUI(c)) return true;
        uiIds.add(c.id);
        return false;
      });
      for (const c of n.childNodes) stack.push(c);
    }
  }

  // watchFields wraps the own setters of the fields in a serialized tree.
  function watchFields(node: serializedNodeWithId): void {
    const stack = [node];
    while (stack.length) {
      const n = stack.pop() as serializedNodeWithId;
      if (n.type === 2 && (n.tagName === "input" || n.tagName === "textarea" || n.tagName === "select")) fields.watch(lookup(n.id));
      if ("childNodes" in n) for (const c of n.childNodes) stack.push(c);
    }
  }

  // outgoing masks what rrweb leaves unmasked, and hands the fields it
  // serialized to watchFields; for every node tree that leaves the page.
  function outgoing(node: serializedNodeWithId): void {
    scrub(node, masker, lookup);
    watchFields(node);
  }

  // clean prepares an incremental event for sending; false drops it.
  function clean(e: eventWithTime): boolean {
    if (e.type !== 3) return e.type === 5;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const d = e.data as any;
    if (d.source === 0) {
      d.adds = d.adds.filter((a: { parentId: number; node: serializedNodeWithId }) => {
        if (uiIds.has(a.parentId) || isUI(a.node)) {
          uiIds.add(a.node.id);
          return false;
        }
        dropUI(a.node);
        outgoing(a.node);
        return true;
      });
      const keep = (x: { id: number }) => !uiIds.has(x.id);
      d.removes = d.removes.filter(keep);
      d.texts = d.texts.filter(keep);
      d.attributes = d.attributes.filter(keep);
      // rrweb masks only the value attribute of fields it masks; the rest as in the snapshot.
      for (const a of d.attributes as { id: number; attributes: Record<string, unknown> }[]) {
        const el = lookup(a.id);
        maskAttributes(el && el.nodeType === 1 ? (el as Element).tagName.toLowerCase() : "", a.attributes, el, masker);
      }
      return d.adds.length + d.removes.length + d.texts.length + d.attributes.length > 0;
    }
    if (typeof d.id === "number" && (d.id === -1 || uiIds.has(d.id))) return false;
    // Canvas (source 9): the pixels of a masked canvas stay on the page.
    if (d.source === 9) {
      const el = lookup(d.id);
      return !!el && el.nodeType === 1 && !masker.text(el as Element);
    }
    // Input (source 5): rrweb leaves the text of checkboxes and radios
    // (their value attribute) and of file inputs (the file's name) as it
    // is; masking again what maskInputFn masked changes nothing.
    if (d.source === 5 && typeof d.text === "string" && d.text) {
      const el = lookup(d.id);
      if (!el || el.nodeType !== 1 || masker.input(el as Element)) d.text = maskValue(d.text);
    }
    return true;
  }

  // full turns rrweb's Meta + FullSnapshot into a meta frame and a snap
  // frame, or a ref frame if the agent already has this very snapshot.
  function full(e: fullSnapshotEvent & { timestamp: number }): void {
    const metaEvent = pendingMeta || {
      type: 4,
      data: { href: location.href, width: window.innerWidth, height: window.innerHeight },
      timestamp: e.timestamp,
    };
    pendingMeta = null;
    dropUI(e.data.node);
    outgoing(e.data.node);
    const data = JSON.stringify(e.data);
    const h = hashString(data);
    meta();
    const snap = "[" + JSON.stringify(metaEvent) + ',{"type":2,"data":' + data + ',"timestamp":' + e.timestamp + "}]";
    if (!force && sent.get(pid) === h) {
      // full: in case the server no longer has it (close code 4412).
      emit({ k: KindRef, p: pid, h, d: JSON.stringify([metaEvent]), full: snap });
    } else {
      emit({ k: KindSnap, p: pid, h, d: snap });
      sent.remember(pid, h);
    }
    force = false;
  }

  function onEvent(e: eventWithTime): void {
    if (stopped) return;
    if (e.type === 4) {
      flush();
      pendingMeta = e;
      return;
    }
    if (e.type === 2) {
      full(e as fullSnapshotEvent & { timestamp: number });
      return;
    }
    if (!clean(e)) return;
    batch.add(e, urgent(e));
  }

  const custom = (tag: string, payload: unknown) => {
    if (stopped) return;
    try {
      record.addCustomEvent(tag, payload);
    } catch {
      // not recording (yet): nothing to attach it to
    }
  };

  // The devtools hooks go in before rrweb so that nothing is missed.
  undo.push(install({ base: o.base, captureBodies: o.captureBodies, strictMasking: o.strictMasking, emit: custom }));

  const stopRecording = record({
    emit: onEvent,
    blockClass: "rr-block",
    blockSelector: ["[data-tandem-block]", "[data-tandem-root]", "." + o.uiClass, ...o.block].join(","),
    ignoreClass: "rr-ignore",
    maskTextSelector: masker.textSelector,
    // Style text is CSS, not the page's words (rrweb passes style changes here).
    maskTextFn: (text, el) => (el && el.tagName === "STYLE" ? text : masker.text(el) ? maskText(text) : text),
    maskAllInputs: false,
    maskInputOptions: allInputs as recordOptions<eventWithTime>["maskInputOptions"],
    maskInputFn: (text, el) => (masker.input(el) ? maskValue(text) : text),
    inlineStylesheet: true,
    recordCanvas: true,
    collectFonts: true,
    recordCrossOriginIframes: false,
    slimDOMOptions: { script: true, comment: true, headFavicon: true, headWhitespace: true, headMetaSocial: true, headMetaRobots: true, headMetaVerification: true },
    // input "all": rrweb's "last" records only change events (on blur), so
    // the agent would not see typing; repeated values are deduplicated and
    // the batching bounds the rate of frames anyway.
    sampling: { mousemove: 20, mousemoveCallback: 20, mouseInteraction: true, scroll: 20, media: 100, input: "all", canvas: 2 },
    dataURLOptions: { type: "image/webp", quality: 0.6 },
    errorHandler: () => true, // a recording problem must never break the page
  });
  if (stopRecording) undo.push(stopRecording);
  // Fields' setters are put back before rrweb stops (undo runs in
  // reverse): rrweb's mirror lists the fields.
  undo.push(() => {
    fields.stop();
    for (const id of record.mirror.getIds()) fields.unwatch(record.mirror.getNode(id));
  });

  const takeSnapshot = () => {
    try {
      record.takeFullSnapshot();
    } catch {
      // rrweb has not started yet (the page is still loading): its first
      // snapshot is on its way anyway
    }
  };

  // SPA route changes: a route event at once, then a snapshot of the new
  // page (or a ref) once it has rendered.
  const onRoute = () => {
    if (stopped || location.href === href) return;
    href = location.href;
    custom("route", { url: href, title: document.title });
    clearTimeout(routeTimer);
    routeTimer = window.setTimeout(() => {
      if (stopped) return;
      flush();
      const next = pageIdFor(location.href);
      if (next === pid) {
        meta(); // same page, new fragment
        return;
      }
      pid = next;
      takeSnapshot();
    }, routeSettleMs);
  };
  const hist = history;
  const origPush = hist.pushState;
  const origReplace = hist.replaceState;
  const push = function (this: History, ...args: Parameters<History["pushState"]>) {
    const r = origPush.apply(this, args);
    onRoute();
    return r;
  };
  const replace = function (this: History, ...args: Parameters<History["replaceState"]>) {
    const r = origReplace.apply(this, args);
    onRoute();
    return r;
  };
  hist.pushState = push;
  hist.replaceState = replace;
  const onResize = () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => {
      if (stopped) return;
      flush();
      meta();
    }, 150);
  };
  window.addEventListener("popstate", onRoute);
  window.addEventListener("hashchange", onRoute);
  window.addEventListener("resize", onResize);
  undo.push(() => {
    if (hist.pushState === push) hist.pushState = origPush;
    if (hist.replaceState === replace) hist.replaceState = origReplace;
    window.removeEventListener("popstate", onRoute);
    window.removeEventListener("hashchange", onRoute);
    window.removeEventListener("resize", onResize);
  });

  return {
    snapshot(f: boolean) {
      if (stopped) return;
      force = f;
      flush();
      takeSnapshot();
    },
    forget() {
      sent.forget();
    },
    flush,
    leave() {
      if (stopped) return;
      flush();
      emit({ k: KindLeave, p: pid });
    },
    node(id: number) {
      return stopped ? null : record.mirror.getNode(id);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(routeTimer);
      clearTimeout(resizeTimer);
      batch.clear();
      for (const u of undo.reverse()) {
        try {
          u();
        } catch {
          // keep undoing the rest
        }
      }
    },
  };
}

window.__tandemRecorder = { start, interact };
