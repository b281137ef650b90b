// Following the person across the site's tabs, the loader's side (docs/sdk.md,
// "Tabs"). What must work from the first moment is small: this tab says
// hello to the site's other tabs and listens. The rest (electing the front
// tab, handing the assist over, the tab list for the agents) is tabs.js,
// a bundle of its own (tabs.ts), loaded only when there may be an assist to
// follow: this tab takes part in one (a stored one taken up, a help
// request, an invite), or another tab of the site speaks. Until it runs,
// what the tabs say is kept for it, so nothing is missed; a page alone on
// its site, where nobody asks for help, loads nothing more.

import { begin, end, finish } from "./assist";
import { loadBundle } from "./bundle";
import { recorder, stopRecorder } from "./capture";
import { siteKey, tabsPath } from "./config";
import { stopInteraction } from "./interact-host";
import { learnSite } from "./site";
import { channel, passive, session, setChannel, setPassive, setPrompt, setSession, setState, state, stored } from "./state";
import { ss } from "./storage";
import { newId, tabKey } from "./tabs-id";
import type { TabsHost, TabsModule } from "./types";

let bc: BroadcastChannel | null = null;
let me = "";
// This page's random id: tells apart two tabs with the same tab id (a tab
// opened by window.open starts with a copy of its opener's sessionStorage).
const page = newId();
let focusedAt = 0;
// What the other tabs said before the bundle ran.
const heard: unknown[] = [];
let loading: Promise<TabsModule> | null = null;
/** tabs.js once it runs (the other tabs' part in this tab's assist); null until then. */
export let tabs: TabsModule | null = null;

/** Starts listening to the site's other tabs; after the assist of a previous page was taken up (navigation.ts, resume). */
export function startTabs(): void {
  if (typeof BroadcastChannel !== "function" || !siteKey) return;
  me = ss.get(tabKey) || newId();
  ss.set(tabKey, me);
  const moved = () => {
    if (document.visibilityState === "visible") focusedAt = Date.now();
  };
  moved();
  // Until the bundle runs (it then keeps its own time).
  window.addEventListener("focus", moved);
  document.addEventListener("visibilitychange", moved);
  bc = new BroadcastChannel("tandem.tabs." + siteKey);
  bc.onmessage = (e: MessageEvent) => {
    if (tabs) return tabs.receive(e.data);
    // Another tab spoke: the bundle takes it from here (it checks what it
    // is given). Kept for it within reason: it may never come.
    if (heard.length < 500) heard.push(e.data);
    loadTabs();
  };
  if (session) loadTabs();
  else hello();
}

/** Loads and starts the tabs bundle, once: this tab takes part in an assist, or another tab spoke. */
export function loadTabs(): void {
  if (!bc || loading) return;
  const host: TabsHost = {
    bc,
    me,
    page,
    focusedAt,
    heard,
    get channel() {
      return channel;
    },
    get session() {
      return session;
    },
    get state() {
      return state;
    },
    get passive() {
      return passive;
    },
    get recorder() {
      return recorder;
    },
    begin,
    end,
    finish,
    stopRecorder,
    stopInteraction,
    learnSite,
    setChannel,
    setPassive,
    setPrompt,
    setSession,
    setState,
    stored,
  };
  (loading = loadBundle(tabsPath, () => window.__tandemTabs)).then(
    (m) => {
      host.focusedAt = focusedAt;
      tabs = m;
      m.start(host);
    },
    // Not again: a bundle this loader cannot load (a newer build's server)
    // stays so; the tab then takes no part in the other tabs' assist.
    (e) => console.warn("Tandem:", e),
  );
}

/**
 * The server replaced this tab's connection by a newer one (4409): another
 * tab took the assist up, or the connection of the page this tab just left
 * was attached after this page's own (its handshake had completed, its
 * attach had not: a loaded machine). tabs.js puts the tab passive and takes
 * the assist up again if no holder speaks up (tabs.ts, replaced); on a page
 * that just took the assist up it may still be loading, and does so once it
 * runs. Where the tabs are not followed (no tabs.js), the assist ends here.
 */
export function replaced(): void {
  (loading || Promise.reject()).then(
    (m) => m.replaced(),
    () => finish("continued in another tab"),
  );
}

/** Tells the other tabs this page is here: the holder of an assist answers with it. */
export function hello(): void {
  if (tabs) return tabs.hello();
  // Without what this tab is: until it takes part in an assist, no tab
  // counts it (tabs.ts tells it all once it does). The channel is never
  // closed, and the message is plain data: this does not throw.
  bc?.postMessage({ t: "hello", from: me, page });
}

/** The assist went live, or this tab's channel (re)connected. */
export function tabsLive(): void {
  if (tabs) tabs.tabsLive();
  else loadTabs(); // the bundle tells the tabs when it starts
}
