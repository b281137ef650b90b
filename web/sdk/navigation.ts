// An assist belongs to the browser tab, not to one page (docs/sdk.md). When
// the tab leaves a page, the loader hands the assist and its channel's
// unacknowledged frames to the next page through sessionStorage
// (storage.ts); the next page's loader takes them up and reconnects. A page
// that comes back from the back-forward cache takes up whatever storage says
// now, since another page may have moved the assist on or ended it.

import { begin, connect, finish } from "./assist";
import { recorder, startRecorder, stopRecorder } from "./capture";
import { storeKey } from "./config";
import { stopInteraction } from "./interact-host";
import { learnSite, resetSite } from "./site";
import { channel, session, setChannel, setPassive, setPrompt, setSession, setState, stored } from "./state";
import { readStored, ss, type Stored } from "./storage";
import { hello, tabs } from "./tabs-host";

// Unacknowledged frames handed to the next page are capped so that
// sessionStorage (shared with the site) never fills up.
const persistLimit = 2_000_000;

/** Takes up an assist a previous page of this tab started, if it is still under way; forgets one that is over. */
export function resume(): void {
  const prev = readStored();
  if (prev && prev.passive && prev.state === "live") {
    // Another tab holds the assist: its frames saved here are out of date.
    // This page stays passive and asks the tabs (tabs.ts, hello).
    stopRecorder();
    adopt(prev, true);
  } else if (prev && (prev.state === "waiting" || prev.state === "consenting" || prev.state === "live")) {
    setPrompt(prev.prompt || "");
    begin(prev.assistId, prev.token, prev.state, prev.channel, prev.site);
  } else if (prev) {
    ss.del(storeKey);
  }
}

/**
 * pagehide: the tab is leaving this page (navigation, close, or the
 * back-forward cache). Hands the channel to the next page and closes this
 * connection. The channel's frames go along as far as storage takes them:
 * all (up to the cap), an eighth of that, or none.
 */
export function onPageHide(): void {
  tabs?.bye();
  if (!session || !channel) return;
  stopInteraction(false);
  if (recorder) {
    recorder.flush();
    recorder.leave();
  }
  const s = stored();
  for (const limit of [persistLimit, persistLimit / 8, 0]) {
    s.channel = channel.save(limit);
    if (ss.set(storeKey, JSON.stringify(s))) break;
  }
  channel.stop(1000, "page hidden");
  setChannel(null);
}

/**
 * pageshow: back from the back-forward cache, another page may have moved
 * the assist on (or ended it), so take up whatever storage says now.
 */
export function onPageShow(e: PageTransitionEvent): void {
  if (!e.persisted) return;
  if (channel) channel.stop();
  setChannel(null);
  const st = readStored();
  if (!st) {
    if (session) finish("the assist has ended");
    return;
  }
  if (!session || session.assistId !== st.assistId) {
    stopRecorder(); // it recorded for another assist
    resetSite();
  }
  const passive = !!st.passive && st.state === "live";
  if (passive) stopRecorder();
  adopt(st, passive);
  if (!passive) connect(st.channel);
  hello();
  if (!passive && st.state === "live") {
    if (recorder) recorder.snapshot(false);
    else startRecorder();
  }
}


// adopt takes the assist st up as this page's: passive, without connecting
// (another tab of the site holds it, tabs.ts), or not (the caller connects).
function adopt(st: Stored, passive: boolean): void {
  setSession({ assistId: st.assistId, token: st.token });
  setPrompt(st.prompt || "");
  if (st.site) learnSite(st.site, "stored");
  setPassive(passive);
  setState(st.state);
}
