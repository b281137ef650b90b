// The person's WebSocket channel (docs/protocol.md): numbered data frames
// with a resend buffer, reconnection with jittered backoff, and a form that
// survives a full page navigation through sessionStorage.

import { Backoff } from "../shared/backoff";
import { encodeFrame, joinFrame, splitFrame } from "../shared/frames";
import {
  CloseBadToken,
  CloseEnded,
  CloseForbidden,
  CloseReplaced,
  CloseTooBig,
  CloseTooFast,
  CloseTooLarge,
  CloseUnknown,
  CloseUnknownPage,
  KindAck,
  KindPing,
  KindPong,
  KindRef,
  KindSnap,
  KindWelcome,
} from "../shared/protocol";
import type { RecorderFrame } from "./types";

/** Upper bound of the resend buffer, in characters of frame text. */
export const maxBuffered = 8 << 20;
/** The server's limit for one frame is 8 MiB; leave room for the header. */
export const maxFrame = (8 << 20) - 1024;

/** A data frame waiting until the server has stored it. */
export interface Pending {
  s: number;
  k: string;
  p?: string;
  h?: string;
  d?: string;
  /** A ref's full snap payload, kept in memory only (see RecorderFrame.full). */
  full?: string;
  /** Went out on some connection: the server may hold it. */
  sent: boolean;
}

/** What a page hands to the next one in the same tab. */
export interface ChannelState {
  frames: Pending[];
  nextSeq: number;
  evictedMax: number;
  lost: boolean;
}

/** A decoded frame: header fields and the raw payload text. */
export interface Frame {
  k: string;
  s?: number;
  t?: number;
  ack?: number;
  stored?: number;
  [key: string]: unknown;
  payload: string;
}

export interface ChannelHooks {
  /** The welcome frame arrived; lost says frames were lost and a full snapshot is needed. */
  welcome(payload: string, lost: boolean): void;
  /** Any other frame from the server, except ping and ack which the channel answers. */
  frame(f: Frame): void;
  /** The server closed for good (a code that reconnecting cannot fix). */
  closed(code: number, reason: string): void;
  /**
   * The server no longer has a page snapshot a ref named (close code 4412):
   * forget which pages were sent in this assist, so that no ref follows.
   */
  forget?(): void;
}

// Close codes after which reconnecting cannot help. Any other code — 1013
// (busy), 4400 (a gap), 4408, 4412 (unknown page snapshot), 4429 (too
// fast), a dropped connection — reconnects and resends from the server's ack.
const finalCodes: number[] = [CloseBadToken, CloseForbidden, CloseUnknown, CloseReplaced, CloseEnded];
/** The server's "sending faster than the limit": wait at least this long before reconnecting. */
export const tooFastDelayMs = 5000;

/** Decodes a frame's text into its header fields plus payload ("" without one); it throws on a header that is not JSON. */
export function decode(text: string): Frame {
  const [head, payload] = splitFrame(text);
  const f = JSON.parse(head);
  f.payload = payload ?? "";
  return f as Frame;
}

// storedOf reads an ack's or welcome's "stored"; a server that does not
// send it stores before it acknowledges.
function storedOf(f: Frame): number {
  return typeof f.stored === "number" ? f.stored : f.ack || 0;
}

function size(f: Pending): number {
  return (f.d ? f.d.length : 0) + 64;
}

const utf8 = new TextEncoder();

// utf8Length is the size in bytes of s on the wire.
function utf8Length(s: string): number {
  return utf8.encode(s).length;
}

export class Channel {
  private ws: WebSocket | null = null;
  private frames: Pending[];
  private bytes = 0;
  private nextSeq: number;
  private evictedMax: number;
  private lost: boolean;
  private ready = false;
  private stopped = false;
  // Reconnect delays: 250 ms doubling up to 5 s, each drawn at random below that (full jitter).
  private backoff = new Backoff({ baseMs: 250, maxMs: 5000 });
  private timer = 0;
  private control: string[] = [];
  private tooLarge = false;
  private closing = false;
  // The last sequence number the server accepted on this connection: frames
  // up to it are held by the server, and are kept here only until stored.
  private relayed = 0;

  constructor(
    private url: string,
    private hooks: ChannelHooks,
    from?: ChannelState,
  ) {
    this.frames = from ? from.frames : [];
    this.nextSeq = from ? from.nextSeq : 1;
    this.evictedMax = from ? from.evictedMax : 0;
    this.lost = from ? from.lost : false;
    for (const f of this.frames) this.bytes += size(f);
  }

  /** Connects, and keeps reconnecting until stop(). */
  open(): void {
    if (this.stopped || this.ws) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onmessage = (m) => {
      if (typeof m.data === "string") this.receive(m.data);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ready = false;
      if (this.stopped) return;
      if (finalCodes.indexOf(e.code) >= 0) {
        this.stopped = true;
        this.hooks.closed(e.code, e.reason);
        return;
      }
      // 1009 is the server's "too big"; 4413 is kept for older servers.
      if (e.code === CloseTooBig || e.code === CloseTooLarge) this.tooLarge = true;
      if (e.code === CloseUnknownPage) this.unknownPage();
      this.retry(e.code === CloseTooFast ? tooFastDelayMs : 0);
    };
  }

  private retry(atLeastMs = 0): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.open(), Math.max(atLeastMs, this.backoff.next()));
  }

  private receive(text: string): void {
    let f: Frame;
    try {
      f = decode(text);
    } catch {
      return;
    }
    switch (f.k) {
      case KindWelcome:
        this.welcome(f.ack || 0, storedOf(f), f.payload);
        break;
      case KindAck:
        this.acked(f.ack || 0, storedOf(f));
        break;
      case KindPing:
        this.raw(joinFrame({ k: KindPong, t: f.t }));
        break;
      default:
        this.hooks.frame(f);
    }
  }

  // unknownPage: the server refused a ref because it no longer holds that
  // page's snapshot. Every ref still buffered goes out again as the full
  // snap it stands for; one whose snapshot is not at hand (it came from the
  // previous page) is dropped, and a fresh full snapshot follows instead.
  private unknownPage(): void {
    for (const f of this.frames) {
      if (f.k !== KindRef) continue;
      if (f.full === undefined) {
        this.lost = true;
        continue;
      }
      this.bytes -= size(f);
      f.k = KindSnap;
      f.d = f.full;
      delete f.full;
      this.bytes += size(f);
    }
    if (this.hooks.forget) this.hooks.forget();
  }

  // acked: the server accepted every frame up to ack and has stored every
  // one up to stored. Only stored frames leave the buffer: the others would
  // be lost with the server.
  private acked(ack: number, stored: number): void {
    this.relayed = Math.max(this.relayed, ack);
    let n = 0;
    while (n < this.frames.length && this.frames[n].sent && this.frames[n].s <= stored) {
      this.bytes -= size(this.frames[n]);
      n++;
    }
    if (n) this.frames.splice(0, n);
  }

  // held is how many frames at the head of the buffer the server holds
  // (accepted, not yet stored): they stay, but are not sent again.
  private held(): number {
    let n = 0;
    while (n < this.frames.length && this.frames[n].sent && this.frames[n].s <= this.relayed) n++;
    return n;
  }

  // welcome: the server holds everything up to ack, and has stored
  // everything up to stored. Drop what is stored, keep what it holds, number
  // the rest from ack+1 (the server has none of it) and send it in order. If
  // frames it lacks were lost, everything buffered is stale: drop it and let
  // the recorder send a full snapshot.
  private welcome(ack: number, stored: number, payload: string): void {
    this.backoff.reset();
    this.relayed = ack;
    this.acked(ack, stored);
    let held = this.held();
    const first = this.frames[held];
    let lost = this.lost || this.evictedMax > ack || (!!first && first.sent && first.s > ack + 1);
    if (this.tooLarge) {
      // The server refused a frame as too large: resending it would loop.
      this.tooLarge = false;
      lost = true;
    }
    if (lost) {
      this.frames = [];
      this.bytes = 0;
      held = 0;
    }
    this.lost = false;
    this.evictedMax = 0;
    const rest = this.frames.slice(held);
    let s = ack + 1;
    for (const f of rest) f.s = s++;
    this.nextSeq = s;
    for (const c of this.control) this.raw(c);
    this.control = [];
    if (this.closing) {
      this.stop();
      return;
    }
    for (const f of rest) this.transmit(f);
    this.ready = true;
    this.hooks.welcome(payload, lost);
  }

  /** Queues a data frame and sends it when connected. */
  push(r: RecorderFrame): void {
    const f: Pending = { s: this.nextSeq++, k: r.k, sent: false };
    if (r.p) f.p = r.p;
    if (r.h) f.h = r.h;
    if (r.d !== undefined) f.d = r.d;
    if (r.full !== undefined && (r.full.length * 3 <= maxFrame || utf8Length(r.full) + 64 <= maxFrame)) f.full = r.full;
    const n = size(f);
    if (n * 3 > maxFrame && utf8Length(f.d || "") + 64 > maxFrame) {
      // The server would refuse it and the channel would loop on it.
      this.nextSeq--;
      throw new Error("tandem: a " + r.k + " frame of " + n + " characters is too large to send");
    }
    this.frames.push(f);
    this.bytes += n;
    if (this.bytes > maxBuffered && !this.evict()) return;
    if (this.ready) this.transmit(f);
  }

  // The buffer is full. Frames the server holds but has not stored yet go
  // first: they are lost only if the server dies before storing them. If
  // that is not enough (the server is unreachable or not acking), rather
  // than lose frames silently, drop them all and remember that a full
  // snapshot must follow the next welcome. It reports whether the frames
  // not yet held by the server were kept.
  private evict(): boolean {
    const held = this.held();
    if (held) {
      for (const f of this.frames.slice(0, held)) this.bytes -= size(f);
      this.frames.splice(0, held);
      if (this.bytes <= maxBuffered) return true;
    }
    for (const f of this.frames) {
      if (f.sent) this.evictedMax = Math.max(this.evictedMax, f.s);
      else this.lost = true;
    }
    this.frames = [];
    this.bytes = 0;
    if (this.ready) {
      // Connected but unacknowledged: reconnect to learn what the server has.
      this.ws?.close(4000, "resync");
    }
    return false;
  }

  private transmit(f: Pending): void {
    const h: Record<string, unknown> = { k: f.k, s: f.s };
    if (f.p) h.p = f.p;
    if (f.h) h.h = f.h;
    f.sent = true;
    this.raw(joinFrame(h, f.d));
  }

  private raw(text: string): void {
    try {
      this.ws?.send(text);
    } catch {
      // Closing: the onclose handler reconnects and resends.
    }
  }

  /** Sends a control frame now, or right after the next welcome. */
  send(kind: string, payload?: unknown): void {
    const text = encodeFrame({ k: kind }, payload);
    if (this.ready) this.raw(text);
    else this.control.push(text);
  }

  /**
   * Sends one last control frame (end, or a refusal) and closes. Buffered
   * data frames are dropped: the person is leaving. If not connected, it
   * connects just long enough to send it, giving up after 5 seconds.
   */
  finish(kind: string, payload?: unknown): void {
    this.frames = [];
    this.bytes = 0;
    if (this.ready) {
      this.send(kind, payload);
      this.stop();
      return;
    }
    this.control = [];
    this.send(kind, payload);
    this.closing = true;
    this.backoff.reset();
    this.open();
    window.setTimeout(() => this.stop(), 5000);
  }

  /** Stops for good; a final frame (e.g. end) may go out first. */
  stop(code = 1000, reason = ""): void {
    this.stopped = true;
    this.ready = false;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      try {
        ws.close(code, reason);
      } catch {
        ws.close();
      }
    }
  }

  /**
   * What the next page needs to resume: the unacknowledged frames (up to
   * limit characters; frames beyond it are lost and the next page sends a
   * full snapshot) and the sequence counter.
   */
  save(limit: number): ChannelState {
    const keep: Pending[] = [];
    let used = 0;
    let evictedMax = this.evictedMax;
    let lost = this.lost;
    for (const f of this.frames) {
      used += size(f);
      if (used <= limit) {
        // A ref's full snapshot stays behind: it is too big to hand on,
        // and the next page takes a snapshot of its own anyway.
        const { full: _, ...rest } = f;
        keep.push(rest);
      } else if (f.sent) {
        evictedMax = Math.max(evictedMax, f.s);
      } else {
        lost = true;
      }
    }
    const last = keep.length ? keep[keep.length - 1].s + 1 : this.nextSeq;
    return { frames: keep, nextSeq: keep.length < this.frames.length ? last : this.nextSeq, evictedMax, lost };
  }
}
