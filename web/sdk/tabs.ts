// An assist follows the person across the site's tabs (docs/sdk.md, "Tabs").
// The tabs of one site (same origin, same site key) talk over a
// BroadcastChannel. One tab holds the assist's connection and records; the
// others are passive: they know the assist (and show its badge) but send
// nothing. The holder hands the connection to the front tab (tabs-elect.ts)
// as a page hands it to the next one on navigation: it saves its channel's
// state and stops; the front tab connects with the assist's token, starts
// its recorder with a full snapshot, and rejoins a call through the same
// path as a new page (call.state after welcome). The holder also sends the
// list of tabs to the agents (a tabs frame).
//
// The server authorises each connection by the token alone and keeps the
// newest: a tab whose connection another replaced (4409) goes passive.
//
// This is tabs.js, a bundle of its own: the loader (tabs-host.ts) listens to
// the tabs from the first moment and starts this when there is an assist to
// follow, handing it the channel to the tabs and the assist (TabsHost).

import { KindTabs } from "../shared/protocol";
import { ss } from "./session";
import type { Stored } from "./storage";
import { electFront, electHeir, tabList, type TabInfo } from "./tabs-elect";
import { newId, tabKey } from "./tabs-id";
import type { TabsHost } from "./types";

/** How long passive tabs wait for a holder that went away to come back (its tab navigating) before one of them takes the assist up. */
export const heirDelayMs = 1500;
// Unacknowledged frames handed to the front tab, as on navigation (navigation.ts).
const handLimit = 2_000_000;
/**
 * While an assist is under way, every tab repeats what it is this often; a
 * tab not heard from for expireMs is gone (a tab closed without a word: a
 * page that is closing may not get its last message out).
 */
export const heartbeatMs = 2000;
export const expireMs = 5000;

/** A message between the site's tabs. */
type Msg =
  | { t: "hello"; from: string; info?: TabInfo; page: string }
  | { t: "info"; from: string; info: TabInfo }
  | { t: "dup"; from: string; page: string }
  | { t: "assist"; from: string; stored: Stored }
  | { t: "handover"; from: string; to: string; stored: Stored }
  | { t: "bye" | "end"; from: string }
  | { t: "ended"; from: string; assistId: string; reason: string };

// The loader's side: the tabs' channel, this tab's identity, the assist.
let h: TabsHost;
let me = "";
// The other tabs of the site, as they last told, and when.
const others = new Map<string, TabInfo>();
const seen = new Map<string, number>();
// The tab holding the assist's connection, as far as this tab knows.
let holder: string | null = null;
let heirTimer = 0;
let changeQueued = false;
let lastSent = "";

/** Starts following the tabs: what the tabs said before this ran first, then hello. */
export function start(host: TabsHost): void {
  h = host;
  me = h.me;
  const moved = () => {
    if (document.visibilityState === "visible") h.focusedAt = Date.now();
    post({ t: "info", from: me, info: self() });
    changed();
  };
  window.addEventListener("focus", moved);
  document.addEventListener("visibilitychange", moved);
  const title = document.querySelector("title");
  if (title) new MutationObserver(moved).observe(title, { childList: true, characterData: true, subtree: true });
  for (const m of h.heard.splice(0)) receive(m);
  hello();
  sendTabs(true);
  window.setInterval(beat, heartbeatMs);
}

// beat: while there is an assist, tell the tabs this one is still here, and
// forget the tabs that went quiet; if the holder went quiet, wait for an heir.
function beat(): void {
  if (!h.session) return;
  post({ t: "info", from: me, info: self() });
  const now = Date.now();
  let gone = false;
  for (const [id, at] of seen) {
    if (now - at < expireMs) continue;
    others.delete(id);
    seen.delete(id);
    gone = true;
    if (id === holder && !h.channel) {
      holder = null;
      armHeir();
    }
  }
  if (gone) changed();
}

function heard(id: string, info?: TabInfo): void {
  seen.set(id, Date.now());
  if (info) others.set(id, info);
}

/** Tells the other tabs this page is here: the holder answers with the assist, the others with what they are. */
export function hello(): void {
  if (h.channel) holder = me;
  else if (h.passive && h.session) armHeir();
  post({ t: "hello", from: me, info: self(), page: h.page });
  announce();
}

function self(): TabInfo {
  return { id: me, title: document.title, url: location.href, visible: document.visibilityState === "visible", focusedAt: h.focusedAt, assist: h.session ? h.session.assistId : undefined };
}

// all: this tab and the others that take part in its assist (a tab learns
// the assist from the holder first, then says so).
function all(): TabInfo[] {
  const id = h.session ? h.session.assistId : "";
  return [self(), ...[...others.values()].filter((t) => !!id && t.assist === id)];
}

function post(m: Msg): void {
  try {
    h.bc.postMessage(m);
  } catch {
    // closed (the page is going away)
  }
}

// Messages from the other tabs. A message from a tab of another assist is
// ignored where it matters (ended), and only a live assist is shared.
export function receive(raw: unknown): void {
  const m = raw as Msg;
  if (!m || typeof m !== "object" || typeof m.from !== "string") return;
  if (m.from === me) {
    // Another page claims this tab's id: the newer one (the one saying
    // hello) takes a new id and says hello again.
    if (m.t === "hello" && m.page !== h.page) post({ t: "dup", from: me, page: m.page });
    else if (m.t === "dup" && m.page === h.page) {
      me = newId();
      ss.set(tabKey, me);
      hello();
    }
    return;
  }
  if (m.t !== "bye") heard(m.from);
  switch (m.t) {
    case "hello":
      heard(m.from, m.info);
      post({ t: "info", from: me, info: self() });
      announce();
      changed();
      break;
    case "info":
      heard(m.from, m.info);
      changed();
      break;
    case "assist":
      if (!m.stored || !m.stored.assistId) return;
      if (!h.session && !h.channel) adopt(m.stored);
      if (h.session && h.session.assistId === m.stored.assistId) {
        holder = m.from;
        clearTimeout(heirTimer);
      }
      break;
    case "handover":
      if (m.to !== me) {
        holder = m.to;
        return;
      }
      takeUp(m.stored);
      break;
    case "bye":
      others.delete(m.from);
      seen.delete(m.from);
      if (m.from === holder) {
        holder = null;
        armHeir();
      }
      changed();
      break;
    case "end":
      if (h.channel && h.session) h.end();
      break;
    case "ended":
      if (h.session && h.session.assistId === m.assistId && !h.channel) h.finish(m.reason, true);
      break;
  }
}

// announce: the holder of a live assist tells the tabs which assist it is
// and that it holds it (never the channel's frames: those go only with a
// handover).
function announce(): void {
  if (!h.channel || !h.session || h.state !== "live") return;
  const { channel: _, ...s } = h.stored();
  post({ t: "assist", from: me, stored: s });
}

// adopt: this tab learns a live assist from its holder and takes part in it
// passively: the badge shows, nothing is captured or sent.
function adopt(st: Stored): void {
  h.setSession({ assistId: st.assistId, token: st.token });
  h.setPrompt(st.prompt || "");
  if (st.site) h.learnSite(st.site, "stored");
  h.setPassive(true);
  h.setState(st.state);
  post({ t: "info", from: me, info: self() });
}

// takeUp: this tab becomes the holder, with the channel state handed over
// (or none: the frames of a tab that is gone do not matter, a full
// snapshot of this page follows).
function takeUp(st: Stored): void {
  clearTimeout(heirTimer);
  holder = me;
  lastSent = "";
  h.setPassive(false);
  h.setPrompt(st.prompt || "");
  h.begin(st.assistId, st.token, st.state, st.channel, st.site);
  announce();
}

// changed: what a tab told may change which tab is in front: the holder
// hands over to it, or sends the agents the new list.
function changed(): void {
  if (changeQueued) return;
  changeQueued = true;
  queueMicrotask(() => {
    changeQueued = false;
    if (!h.channel || !h.session || h.state !== "live") return;
    const front = electFront(all(), me);
    if (front !== null && front !== me) handOver(front);
    else sendTabs();
  });
}

/** The assist went live, or this tab's channel (re)connected: the tabs learn who holds it, the agents get the list again. */
export function tabsLive(): void {
  announce();
  sendTabs(true);
}

/** Sends the agents the list of tabs, if it changed (resend: even if not). */
function sendTabs(resend = false): void {
  if (!h.channel || h.state !== "live") return;
  const tabs = tabList(all(), me);
  const text = JSON.stringify(tabs);
  if (text === lastSent && !resend) return;
  lastSent = text;
  h.channel.send(KindTabs, { tabs });
}

// handOver: as on pagehide, this tab stops capturing and closes its
// connection, handing the channel's unacknowledged frames to the front tab.
function handOver(to: string): void {
  if (!h.channel || !h.session) return;
  h.stopInteraction(false);
  if (h.recorder) {
    h.recorder.flush();
    h.recorder.leave();
  }
  const s = h.stored();
  s.channel = h.channel.save(handLimit);
  h.channel.stop(1000, "continued in another tab");
  h.setChannel(null);
  h.stopRecorder();
  holder = to;
  h.setPassive(true);
  post({ t: "handover", from: me, to, stored: s });
}

/**
 * The server replaced this tab's connection by a newer one (4409): another
 * tab took the assist up. This one goes passive. It returns false when the
 * tabs are not followed (the assist then ends here, as before).
 */
export function replaced(): boolean {
  if (!h.session) return false;
  h.stopInteraction(false);
  h.stopRecorder();
  h.setChannel(null);
  if (holder === me) holder = null;
  h.setPassive(true);
  armHeir();
  return true;
}

// armHeir: the holder went away (its tab closed or navigated). If no holder
// speaks up in time, the tab electHeir picks takes the assist up, so that
// the assist outlives the tab that held it.
function armHeir(): void {
  clearTimeout(heirTimer);
  heirTimer = window.setTimeout(() => {
    if (holder !== null || h.channel || !h.session || !h.passive) return;
    if (electHeir(all()) !== me) return;
    const { channel: _, ...s } = h.stored();
    takeUp(s);
  }, heirDelayMs);
}

/** A passive tab's End: asks the holder to end the assist. It returns false when no holder is known. */
export function askHolderToEnd(): boolean {
  if (h.channel || !holder) return false;
  post({ t: "end", from: me });
  return true;
}

/** The assist ended in this tab: the other tabs end it too. */
export function tellEnded(assistId: string, reason: string): void {
  clearTimeout(heirTimer);
  holder = null;
  post({ t: "ended", from: me, assistId, reason });
}

/** The page is going away: the other tabs forget it (and wait for a holder to come back). */
export function bye(): void {
  post({ t: "bye", from: me });
}
