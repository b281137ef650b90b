// The assist's life on this page, once it exists: the person's channel to
// the server (channel.ts) and what its frames do, the person's answer to the
// consent prompt, and the end, whoever ends it. An assist starts waiting
// (help request), or live (invite: redeeming is consent); an agent's prompt
// makes it consenting; "allow" makes the server say live, and only then does
// capture start (capture.ts). How it starts is in help.ts; how it carries on
// to the next page, in navigation.ts.

import { loadRecorder, recorder, startRecorder, stopRecorder } from "./capture";
import { Channel, type ChannelState, type Frame } from "./channel";
import { base, storeKey } from "./config";
import { emit } from "./events";
import { CloseEnded, CloseReplaced, KindConsent, KindEnded, KindError, KindJoinAnswer, KindPrompt, KindSite, KindSnapshot, KindState, KindWatchers } from "../shared/protocol";
import { pagesKey } from "./hash";
import { interact, interactKinds, stopInteraction } from "./interact-host";
import { learnSite, resetSite, type SiteConfig } from "./site";
import {
  channel,
  endedTimer,
  promptText,
  saveCore,
  session,
  setChannel,
  setMessage,
  setPassive,
  render,
  setPrompt,
  setSession,
  setState,
  setWatchers,
  showEnded,
  state,
  type State,
} from "./state";
import { ss } from "./storage";
import { loadTabs, replaced, tabs, tabsLive } from "./tabs-host";
import { parseWatchers } from "./watchers";

/** Takes part in an assist in state s: connects its channel (with the previous page's, if saved) and, if live, starts capture. */
export function begin(assistId: string, token: string, s: State, saved?: ChannelState, savedSite?: SiteConfig): void {
  clearTimeout(endedTimer);
  resetSite();
  if (savedSite) learnSite(savedSite, "stored");
  setSession({ assistId, token });
  setMessage("");
  setState(s);
  connect(saved);
  if (s === "live") startRecorder();
  // Following the tabs loads now, while the person waits, not once live.
  loadTabs();
}

/** Opens the person's channel of the current assist. A channel that has been replaced or dropped is ignored. */
export function connect(saved?: ChannelState): void {
  if (!session) return;
  const url =
    base.replace(/^http/, "ws") +
    "/api/v1/public/assists/" +
    encodeURIComponent(session.assistId) +
    "/ws?token=" +
    encodeURIComponent(session.token);
  const ch = new Channel(
    url,
    {
      welcome: (payload, lost) => {
        if (channel !== ch) return;
        welcome(payload, lost);
      },
      frame: (f) => {
        if (channel === ch) control(f);
      },
      closed: (code, reason) => {
        if (channel !== ch) return;
        if (code === CloseReplaced) {
          // Another tab of the site took the assist up, or the previous
          // page's connection was attached late: this one goes passive
          // (with tabs.js; without it, it ends here).
          replaced();
        } else if (code === CloseEnded) finish(reason || "the assist has ended");
        else finish(reason || "the assist is no longer available");
      },
      forget: () => {
        if (channel === ch) forgetPages();
      },
    },
    saved,
  );
  setChannel(ch);
  ch.open();
}

// welcome: the server's view of the assist on (re)connecting: its state,
// the site's settings and the prompt's text.
function welcome(payload: string, lost: boolean): void {
  let w: { state?: State; site?: Partial<SiteConfig>; prompt?: string } = {};
  try {
    w = JSON.parse(payload || "{}");
  } catch {
    // keep what we know
  }
  if (w.site) {
    learnSite(w.site, "welcome");
    saveCore();
  }
  if (w.prompt) setPrompt(w.prompt);
  if (lost && session) {
    // The agent's copy missed frames: the next snapshot must be full.
    forgetPages();
    if (recorder) recorder.snapshot(true);
  }
  moveTo(w.state);
  tabsLive();
}

// moveTo takes the state the server says the assist is in (welcome and
// state frames); capture starts when it is live.
function moveTo(s: unknown, reason?: string): void {
  if (s === "live") {
    const was = state;
    setState("live");
    startRecorder();
    if (was !== "live") tabsLive();
  } else if (s === "waiting" || s === "consenting") {
    setState(s);
  } else if (s === "ended") {
    finish(reason || "the assist has ended");
  }
}

// forgetPages forgets which pages' snapshots the agent has (hash.ts,
// pagesKey), so that the next snapshot goes out in full.
function forgetPages(): void {
  if (session) ss.del(pagesKey(session.assistId));
}

// control: a frame from the server (docs/protocol.md): the consent prompt,
// a change of state, a request for a full snapshot, the end, or one for the
// interaction module.
function control(f: Frame): void {
  let p: any = {};
  try {
    p = f.payload ? JSON.parse(f.payload) : {};
  } catch {
    // a control frame without a readable payload
  }
  switch (f.k) {
    case KindPrompt:
      setPrompt(String(p.text || ""));
      setState("consenting");
      emit("prompt", { text: promptText, agent: p.agent });
      break;
    case KindState:
      moveTo(p.state, p.reason);
      break;
    case KindWatchers: {
      const w = parseWatchers(p);
      setWatchers(w);
      render();
      emit("watchers", { agents: w.agents, asking: w.asking.map((a) => a.name) });
      break;
    }
    case KindSnapshot:
      if (recorder) recorder.snapshot(true);
      break;
    case KindSite:
      // The site's settings were edited during the assist: in force at
      // once (the recorder restarts with them if they differ), and kept
      // for the next page as the welcome's are.
      learnSite(p, "welcome");
      saveCore();
      break;
    case KindEnded:
      finish(p.reason || "the assist has ended");
      break;
    case KindError:
      // A refused interaction frame: the module puts its panel right.
      if (/^(call|rtc|control|op|repair)/.test(String(p.ref))) interact(f.k, p);
      break;
    default:
      if (interactKinds.indexOf(f.k) >= 0) interact(f.k, p);
  }
}

/** The person's answer to the consent prompt. */
export function consent(allow: boolean): void {
  if (!channel || state !== "consenting") return;
  if (allow) {
    channel.send(KindConsent, { allow: true });
    void loadRecorder().catch(() => undefined); // fetch it now; it starts when the server says live
    return;
  }
  channel.finish("consent", { allow: false });
  setChannel(null);
  finish("denied by the person");
}

/** The person's answer to an agent asking to join; the server's next watchers frame takes the question away. */
export function answerJoin(id: string, allow: boolean): void {
  if (channel && state === "live") channel.send(KindJoinAnswer, { id, allow });
}

/** Ends the assist from the person's side: stops capture at once. */
export function end(): void {
  if (!session) return;
  // A passive tab: the tab holding the connection ends it, and tells every tab.
  if (!channel && tabs?.askHolderToEnd()) return;
  if (!channel) connect();
  const wasLive = state === "live";
  stopRecorder();
  if (channel) channel.finish("end");
  setChannel(null);
  finish(wasLive ? "ended by the person" : "cancelled by the person");
}

/** Tears down everything of the assist on this page and in storage, then shows that it ended; told: the other tabs know already. */
export function finish(reason: string, told = false): void {
  if (!session && state !== "live" && state !== "waiting" && state !== "consenting") return;
  if (session && !told) tabs?.tellEnded(session.assistId, reason);
  setPassive(false);
  stopInteraction(true);
  stopRecorder();
  if (channel) channel.stop();
  setChannel(null);
  forgetPages();
  setSession(null);
  setPrompt("");
  setWatchers({ agents: [], asking: [] });
  ss.del(storeKey);
  showEnded(reason);
}
