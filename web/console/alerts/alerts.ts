// Alerts of new requests for an available agent: a short sound (muted at
// will, the choice remembered in this browser), a desktop notification when
// the browser allows them (clicking it opens the request), and the waiting
// count in the tab title (app.tsx). Away agents get neither sound nor
// notification. Permission for notifications is asked only when the agent
// sets themselves available (a click), never on page load.

import type { Assist } from "../../shared/api";

/** The localStorage key of the mute choice. */
export const muteKey = "tandem.alerts.muted";

/** What the alerts need of the browser; tests pass fakes. */
export interface AlertSinks {
  /** Plays the alert sound. */
  beep(): void;
  /** Raises a desktop notification for a; onClick when the agent clicks it. false when not allowed. */
  notify(a: Assist, onClick: () => void): boolean;
  /** Opens the request in the console. */
  open(id: string): void;
}

/**
 * NewRequests picks, from each queue listing, the waiting requests not seen
 * before. The first listing only records what is there: a console opened
 * on a full queue does not ring for every request in it.
 */
export class NewRequests {
  private seen = new Set<string>();
  private first = true;

  /** Returns the waiting requests of list not seen in an earlier listing. */
  next(list: Assist[]): Assist[] {
    const waiting = list.filter((a) => a.state === "waiting");
    const fresh = this.first ? [] : waiting.filter((a) => !this.seen.has(a.id));
    this.first = false;
    this.seen = new Set(waiting.map((a) => a.id));
    return fresh;
  }
}

/** Alerter raises the alerts of new requests while the agent is available. */
export class Alerter {
  available = false;
  muted: boolean;
  private readonly fresh = new NewRequests();

  constructor(
    private readonly sinks: AlertSinks,
    private readonly storage: Pick<Storage, "getItem" | "setItem"> | null,
  ) {
    this.muted = storage?.getItem(muteKey) === "1";
  }

  /** Mutes or unmutes the sound, remembering the choice. */
  setMuted(m: boolean): void {
    this.muted = m;
    try {
      this.storage?.setItem(muteKey, m ? "1" : "0");
    } catch {
      // storage full or denied: the choice lasts this page
    }
  }

  /** Takes a queue listing; returns the new requests it alerted of. */
  onQueue(list: Assist[]): Assist[] {
    const fresh = this.fresh.next(list);
    if (!this.available || fresh.length === 0) return [];
    if (!this.muted) this.sinks.beep();
    for (const a of fresh) this.sinks.notify(a, () => this.sinks.open(a.id));
    return fresh;
  }
}

/** beep plays a short two-tone chime with WebAudio (no asset to load). */
export function beep(): void {
  const Ctx = window.AudioContext || (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctx) return;
  try {
    const ctx = new Ctx();
    const t = ctx.currentTime;
    for (const [i, f] of [880, 1320].entries()) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t + i * 0.15);
      g.gain.exponentialRampToValueAtTime(0.2, t + i * 0.15 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.15 + 0.14);
      o.connect(g).connect(ctx.destination);
      o.start(t + i * 0.15);
      o.stop(t + i * 0.15 + 0.15);
    }
    setTimeout(() => void ctx.close(), 600);
  } catch {
    // audio refused (no gesture yet): the notification and title remain
  }
}

/** notify raises a desktop notification of a new request, when allowed. */
export function notify(a: Assist, onClick: () => void): boolean {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return false;
  const n = new Notification("Someone asks for help", {
    body: `${a.personId || "Anonymous"} on ${a.pageUrl || "a page"}`,
    tag: "tandem-request-" + a.id,
  });
  n.onclick = () => {
    window.focus();
    onClick();
    n.close();
  };
  return true;
}

/** askPermission asks for notifications if the agent was never asked (call it from a click). */
export function askPermission(): void {
  if (typeof Notification !== "undefined" && Notification.permission === "default") {
    void Notification.requestPermission().catch(() => {});
  }
}
