// The assist as this page knows it: its state (Tandem.state), the assist's
// id and the person's token, the person's channel and the consent prompt's
// text. Every change of state is saved for the next page (sessionStorage),
// shown in the control and announced to the page, in that order.
//
// The loader runs once per page, so this is module state. The other modules
// read it through their imports and change it only through the functions
// here; what changes it when is in assist.ts, help.ts and navigation.ts.

import { stopWait, waitError, waitNotice, type WaitNotice } from "./waiting";
import type { Channel } from "./channel";
import { storeKey } from "./config";
import { emit } from "./events";
import { site, siteFrom, siteLoaded } from "./site";
import { ss, type Stored } from "./storage";
import { UI, type Actions, type View } from "./ui";
import type { Watchers } from "./watchers";

/**
 * idle: no assist; waiting: a help request waits for an agent; consenting:
 * an agent asks to see the page; live: the person allowed, capture runs;
 * ended: the assist is over (and a new one may start).
 */
export type State = "idle" | "waiting" | "consenting" | "live" | "ended";

/** The assist this page is part of, and the person's token for its channel. */
export interface Session {
  assistId: string;
  token: string;
}

/** Tandem.state. */
export let state: State = "idle";
/** The assist under way, or null. */
export let session: Session | null = null;
/** The person's channel of the assist under way, while this page has one open. */
export let channel: Channel | null = null;
/** The consent prompt's text, from the server. */
export let promptText = "";
/** The help control, consent prompt and assist badge. */
export let ui: UI;
/** Another tab of the site holds the assist's connection and records (tabs.ts); this one only shows the badge. */
export let passive = false;
/** Who is watching the page and who asks to join, from the server. */
export let watchers: Watchers = { agents: [], asking: [] };

// What the control says: an error in idle, or that the assist ended (for a
// few seconds, then idle again).
let idleMessage = "";
let endedMessage = "";
/** The timer that takes the ended message away. */
export let endedTimer = 0;
const endedMessageMs = 4000;

export function setSession(s: Session | null): void {
  session = s;
}

export function setChannel(c: Channel | null): void {
  channel = c;
}

/** Marks this tab passive (or not) and saves it for the next page. */
export function setPassive(p: boolean): void {
  passive = p;
  saveCore();
}

export function setPrompt(text: string): void {
  promptText = text;
}

/** Sets who is watching and who asks to join; shown with the next render. */
export function setWatchers(w: Watchers): void {
  watchers = w;
}

/** Sets the message the idle control shows ("" for none); shown with the next render. */
export function setMessage(text: string): void {
  idleMessage = text;
}

/** Makes the control, whose buttons run actions. */
export function createUI(actions: Actions, button: boolean): void {
  ui = new UI(actions, button);
}

/**
 * Returns what the control shows in state s, or null to show nothing yet:
 * idle before the site's configuration has loaded (loaded), unless there
 * is an error to show.
 */
export function viewFor(
  s: State,
  loaded: boolean,
  idle: string,
  ended: string,
  prompt: string,
  who: Watchers = { agents: [], asking: [] },
  notice: WaitNotice = "",
  noticeError = "",
): View | null {
  switch (s) {
    case "idle":
      return loaded || idle ? { kind: "idle", message: idle } : null;
    case "waiting":
      return notice ? { kind: "waiting", notice, error: noticeError } : { kind: "waiting" };
    case "consenting":
      return { kind: "prompt", text: prompt || "Support wants to see this page" };
    case "live":
      return { kind: "live", watchers: who.agents, asking: who.asking };
    case "ended":
      return ended ? { kind: "ended", message: ended } : { kind: "idle", message: idle };
  }
}

/** Shows the current state in the control. */
export function render(): void {
  const view = viewFor(state, siteLoaded, idleMessage, endedMessage, promptText, watchers, waitNotice(), waitError());
  if (view) ui.render(view);
}

/** Moves to state s: saves, shows, and (if it changed) fires "state", and "live" on going live. */
export function setState(s: State): void {
  const was = state;
  state = s;
  if (s !== "waiting") stopWait();
  if (s !== "ended") endedMessage = "";
  saveCore();
  render();
  if (was !== s) {
    emit("state", s);
    if (s === "live") emit("live", { assistId: session && session.assistId });
  }
}

/** Moves to ended after the assist was torn down: says so for a few seconds, and fires "ended". */
export function showEnded(reason: string): void {
  endedMessage = "Support session ended.";
  setState("ended");
  emit("ended", { reason });
  clearTimeout(endedTimer);
  endedTimer = window.setTimeout(() => {
    endedMessage = "";
    render();
  }, endedMessageMs);
}

/** Returns what the next page needs to take the assist up; only with a session. */
export function stored(): Stored {
  const a = session as Session;
  const known = siteFrom === "welcome" || siteFrom === "stored";
  return { assistId: a.assistId, token: a.token, state, prompt: promptText || undefined, site: known ? { ...site } : undefined, passive: passive || undefined };
}

/**
 * Saves the assist for the next page. The channel's frames are added on
 * pagehide only (navigation.ts): until then they change with every event
 * and live in memory.
 */
export function saveCore(): void {
  if (!session) return;
  ss.set(storeKey, JSON.stringify(stored()));
}
