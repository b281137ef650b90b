// Replay of an ended session's recording (asciicast v2), played as it
// streams in. The server sends the recording as it reads it from storage,
// a chunk at a time, so the page starts playing at the header and first
// events and feeds the player as the rest arrives, instead of waiting for
// the whole file: a long session's recording is many megabytes.

import type { Terminal } from "@xterm/xterm";
import { LineSplitter } from "../shared/api";
import { clock } from "../shared/format";
import { seekPosition } from "../shared/replay/seek";
import { CastEvent, idleCapSeconds, indexAt, resizeOf, SeekStep, seekSteps, skipIdle } from "./seek";
import { el, newTerminal, setStatus } from "./ui";

export type { CastEvent };

const skipKey = "tandem.terminal.skipIdle";

/** ESC c: the terminal's own full reset (screen, scrollback, modes). */
const fullReset = "\x1bc";

/** What the player uses of an asciicast v2 header. */
export interface CastHeader {
  width: number;
  height: number;
}

/** CastParser reads an asciicast v2 recording that arrives in pieces. */
export class CastParser {
  private lines = new LineSplitter();
  /** The header, once its line arrived. */
  header: CastHeader | null = null;

  /**
   * Returns the events that text completes. The first line must be an
   * asciicast v2 header, or it throws; an event line that is not one is
   * skipped.
   */
  push(text: string): CastEvent[] {
    const events: CastEvent[] = [];
    for (const line of this.lines.push(text)) {
      if (!this.header) {
        let h: { version?: unknown; width?: unknown; height?: unknown } | null = null;
        try {
          h = JSON.parse(line);
        } catch {
          h = null;
        }
        if (!h || typeof h !== "object" || h.version !== 2) throw new Error("this is not an asciicast v2 recording");
        this.header = { width: positive(h.width, 80), height: positive(h.height, 24) };
        continue;
      }
      let e: unknown;
      try {
        e = JSON.parse(line);
      } catch {
        continue;
      }
      if (Array.isArray(e) && typeof e[0] === "number" && typeof e[1] === "string" && typeof e[2] === "string") {
        events.push([e[0], e[1], e[2]]);
      }
    }
    return events;
  }

  /** Returns the events of a last line that had no newline. */
  end(): CastEvent[] {
    return this.push("\n");
  }
}

function positive(v: unknown, dflt: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 && n <= 1000 ? n : dflt;
}

/**
 * Player plays events on a terminal in recorded time, at the chosen speed,
 * as they arrive. When it has played all that arrived before the
 * recording is complete, its clock stops until more comes. The slider
 * seeks (see seek.ts); with "skip idle" on, pauses longer than
 * idleCapSeconds are cut short.
 */
class Player {
  private events: CastEvent[] = [];
  private i = 0; // next event
  private at = 0; // recording time reached, seconds
  private playing = true;
  private timer: number | undefined;
  private last = performance.now();
  private complete = false; // the whole recording arrived (or failed)
  private failure = ""; // why the rest of the recording is missing
  private starved = true; // played all that arrived (none yet); waiting for more

  private play = el("tt-play") as HTMLButtonElement;
  private speed = el("tt-speed") as HTMLSelectElement;
  private progress = el("tt-progress") as HTMLInputElement;
  private time = el("tt-time");
  private loading = el("tt-loading");
  private skip = el("tt-skip") as HTMLInputElement;

  constructor(
    private term: Terminal,
    private size: [number, number],
  ) {
    el("tt-controls").hidden = false;
    this.loading.hidden = false;
    this.play.onclick = () => this.toggle();
    this.progress.disabled = false;
    this.progress.oninput = () => this.seek(seekPosition(Number(this.progress.value), Math.ceil(this.total() * 1000)) / 1000);
    this.skip.checked = localStorage.getItem(skipKey) !== "0";
    this.skip.onchange = () => localStorage.setItem(skipKey, this.skip.checked ? "1" : "0");
    setStatus("replay", "live");
    this.show();
  }

  /** Adds events that arrived, in order. */
  add(events: CastEvent[]) {
    for (const e of events) this.events.push(e);
    if (this.playing && this.starved) this.resume();
    else this.show();
  }

  /** Says that no more events will come; failure says why, if the recording is cut short. */
  end(failure = "") {
    this.complete = true;
    this.failure = failure;
    this.loading.hidden = true;
    if (this.playing && this.starved) this.resume();
    else this.show();
  }

  private resume() {
    this.starved = false;
    this.last = performance.now();
    this.step();
  }

  private total(): number {
    return this.events.length ? this.events[this.events.length - 1][0] : 0;
  }

  private show() {
    const total = this.total();
    // The slider counts milliseconds of the recording, so a seek is exact.
    this.progress.max = String(Math.ceil(total * 1000));
    this.progress.value = String(Math.round(Math.min(this.at, total) * 1000));
    this.time.textContent = `${clock(this.at * 1000)} / ${clock(total * 1000)}${this.complete ? "" : "+"}`;
  }

  private step = () => {
    this.timer = undefined;
    const now = performance.now();
    const speed = Number(this.speed.value);
    const ev = this.events;
    if (this.i < ev.length) {
      this.at += ((now - this.last) / 1000) * speed;
      if (this.skip.checked) this.at = skipIdle(this.at, ev[this.i][0], idleCapSeconds);
    }
    this.last = now;
    while (this.i < ev.length && ev[this.i][0] <= this.at) {
      const [, kind, data] = ev[this.i++];
      if (kind === "o") this.term.write(data);
      else if (kind === "r") {
        const size = resizeOf(data);
        if (size) this.term.resize(...size);
      }
    }
    this.show();
    if (this.i >= ev.length) {
      if (!this.complete) {
        this.starved = true; // add or end resumes
        return;
      }
      this.playing = false;
      this.play.textContent = "Replay";
      if (this.failure) setStatus(this.failure, "error");
      else setStatus("replay finished", "ended");
      return;
    }
    // Sleep until the next event (capped, so the clock keeps moving).
    let next = ev[this.i][0];
    if (this.skip.checked) next = Math.min(next, skipIdle(this.at, next, idleCapSeconds) + idleCapSeconds);
    const wait = Math.min(((next - this.at) * 1000) / speed, 250);
    this.timer = window.setTimeout(this.step, Math.max(wait, 0));
  };

  /**
   * Shows the screen at t seconds: the terminal gets the output up to t at
   * once (from the last full reset when going back), and playing goes on
   * from there if it was playing.
   */
  seek(t: number) {
    const target = indexAt(this.events, Math.max(0, t));
    this.apply(seekSteps(this.events, this.i, target, this.size));
    this.i = target;
    this.at = Math.max(0, Math.min(t, this.total()));
    this.last = performance.now();
    if (this.playing) {
      clearTimeout(this.timer);
      this.starved = false;
      this.step();
    } else this.show();
  }

  // Writes are parsed later, in order; a reset and a resize go through the
  // same queue so that output written before them is not parsed after.
  private apply(steps: SeekStep[]) {
    for (const s of steps) {
      if ("reset" in s) this.term.write(fullReset);
      else if ("resize" in s) {
        const [c, r] = s.resize;
        this.term.write("", () => this.term.resize(c, r));
      } else this.term.write(s.write);
    }
  }

  private toggle() {
    if (this.playing) {
      this.playing = false;
      this.starved = false;
      clearTimeout(this.timer);
      this.play.textContent = "Play";
      setStatus("paused");
      return;
    }
    if (this.complete && this.i >= this.events.length) {
      this.apply(seekSteps(this.events, this.i, 0, this.size));
      this.i = 0;
      this.at = 0;
    }
    this.playing = true;
    this.play.textContent = "Pause";
    setStatus("replay", "live");
    this.resume();
  }
}

/**
 * Plays the recording at url (a session's, or a share link's) as it
 * streams in; notFound is what a 404 says.
 */
export async function replay(url: string, notFound = "no recording") {
  setStatus("loading recording");
  let res: Response;
  try {
    res = await fetch(url, { credentials: "same-origin" });
  } catch {
    setStatus("cannot reach the server", "error");
    return;
  }
  if (!res.ok || !res.body) {
    setStatus(res.status === 404 ? notFound : `the recording could not be loaded (${res.status})`, "error");
    return;
  }
  const parser = new CastParser();
  let player: Player | null = null;
  const take = (events: CastEvent[]) => {
    if (!player && parser.header) player = new Player(newTerminal(parser.header.width, parser.header.height, true), [parser.header.width, parser.header.height]);
    if (player && events.length) player.add(events);
  };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let failure = "";
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      take(parser.push(decoder.decode(chunk.value, { stream: true })));
    }
    take(parser.push(decoder.decode()));
    take(parser.end());
  } catch (e) {
    // A header that is not asciicast, or an answer the server cut off
    // because the recording could not be read whole.
    failure = e instanceof Error && e.message.startsWith("this is not") ? e.message : "the rest of the recording could not be loaded";
  }
  if (!player) {
    setStatus(failure || "the recording is empty", "error");
    return;
  }
  (player as Player).end(failure);
}
