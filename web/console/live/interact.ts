// Interact is the live view's model of everything the agent does on the
// person's page besides watching (docs/protocol.md, "Interaction"): who
// holds control, the agents' pointers and strokes, repairs, and the toasts
// that report refusals. It handles the interaction frames of the agent
// channel and sends the agent's own; calls are passed to a CallSink. It
// touches no DOM, so its rules are tested in node.

import { maxStrokePoints, pointerIdleMs, strokeFadeMs, strokeIdleMs, strokeStayMs } from "../../shared/drawing";
import type { Timers } from "../../shared/socket";
import { CallView, parseCallState } from "./mesh";
import type { Op } from "./ops";
import type { Place, Point } from "./place";
import { KindCallMedia, KindCallState, KindControlDenied, KindControlHandover, KindControlRelease, KindControlRequest, KindControlState, KindDraw, KindError, KindOp, KindOpResult, KindPointer, KindRTC, KindRepairAnswer, KindRepairRequest, KindYou } from "../../shared/protocol";
import { mergeToast } from "../common/toasts";

/** This console's channel, as the `you` frame names it. */
export interface Me {
  conn: string;
  id: string;
  name: string;
}

/** Who holds control. */
export interface Holder {
  id: string;
  name: string;
}

/** A message shown for a few seconds. */
export interface Toast {
  id: number;
  text: string;
  tone: "bad" | "info";
  /** How many times it was said (merged, see common/toasts.ts); absent means once. */
  count?: number;
}

/** Another agent's pointer. */
export interface RemotePointer {
  from: string;
  name: string;
  place: Partial<Place>;
}

/** A stroke on the mirror: this agent's own, or another's. */
export interface Stroke {
  key: string;
  from: string;
  own: boolean;
  color: string;
  points: Point[];
  done: boolean;
  fading: boolean;
}

/** The repair asked for and the person's answer. */
export interface RepairState {
  pending: boolean;
  actions: string[];
  answer: { allow: boolean; done: string[] } | null;
}

/** An agent in the presence frame. */
export interface AgentPresence {
  id: string;
  conn?: string;
  name: string;
}

/** Where call frames go. */
export interface CallSink {
  state(v: CallView): void;
  rtc(p: Record<string, unknown>): void;
  media(p: Record<string, unknown>): void;
}

/** How long a toast stays. */
export const toastMs = 5000;
/** How long the person's answer to a repair stays shown. */
export const repairShownMs = 15000;

/** The repairs an agent can ask for, in the order they are offered. */
export const repairActions = [
  { id: "clear-storage", label: "Clear storage", done: "storage cleared" },
  { id: "clear-cookies", label: "Clear cookies", done: "cookies cleared" },
  { id: "reload", label: "Reload", done: "page reloaded" },
] as const;

/** Options of an Interact. */
export interface InteractOptions {
  /** Sends a control frame; false when the channel is not open. */
  send(kind: string, payload?: unknown): boolean;
  onChange(): void;
  timers: Timers;
}

/** Returns the agents control can be handed to: everyone else's channel. */
export function handoverChoices(agents: readonly AgentPresence[] | undefined, me: Me | null): { conn: string; name: string }[] {
  return (agents ?? []).filter((a) => a.conn && a.conn !== me?.conn).map((a) => ({ conn: a.conn as string, name: a.name || "Agent" }));
}

/** Returns what the person is told a repair did, in words. */
export function repairWords(ids: readonly string[]): string {
  return ids.map((id) => repairActions.find((a) => a.id === id)?.done ?? id).join(", ");
}

const str = (v: unknown, fallback = "") => (typeof v === "string" ? v : fallback);
const num = (v: unknown) => (typeof v === "number" && isFinite(v) ? v : undefined);

/** Interact is one live view's interaction state. */
export class Interact {
  me: Me | null = null;
  holder: Holder | null = null;
  /** Whether holder was told by the server (until then nobody is known to hold control). */
  controlKnown = false;
  /** A control request is waiting for the person. */
  requesting = false;
  toasts: Toast[] = [];
  pointers = new Map<string, RemotePointer>();
  strokes = new Map<string, Stroke>();
  repair: RepairState = { pending: false, actions: [], answer: null };
  call: CallSink | null = null;

  private readonly o: InteractOptions;
  private toastSeq = 0;
  private releasing = false;
  private readonly timersOf = new Map<string, unknown>();

  constructor(o: InteractOptions) {
    this.o = o;
  }

  /** Whether this console holds control. */
  get hasControl(): boolean {
    return !!this.holder && !!this.me && this.holder.id === this.me.conn;
  }

  /** The words for who holds control. */
  get controlLabel(): string {
    if (!this.holder) return "The person has control";
    if (this.hasControl) return "You have control";
    return `${this.holder.name || "Another agent"} has control`;
  }

  /** Handles an interaction frame; false if it is not one. */
  frame(kind: string, p: Record<string, unknown>): boolean {
    switch (kind) {
      case KindYou:
        this.me = { conn: str(p.conn), id: str(p.id), name: str(p.name) };
        break;
      case KindControlState: {
        const h = p.holder as Record<string, unknown> | null | undefined;
        const had = this.hasControl;
        this.holder = h && typeof h.id === "string" ? { id: h.id, name: str(h.name) } : null;
        this.controlKnown = true;
        if (this.holder) this.requesting = false;
        if (had && !this.hasControl && !this.releasing) {
          this.toast(this.holder ? `${this.holder.name || "Another agent"} has control now` : "The person took control back", "info");
        }
        this.releasing = false;
        break;
      }
      case KindControlDenied:
        this.requesting = false;
        this.toast(str(p.message) ? capital(str(p.message)) : "The person refused control", "bad");
        break;
      case KindOpResult:
        if (p.ok === false) this.toast(capital(str(p.error, "the page could not do that")), "bad");
        break;
      case KindError: {
        const ref = str(p.ref);
        if (ref === "control.request") this.requesting = false;
        if (ref === "repair.request") this.repair = { ...this.repair, pending: false };
        if (ref === "control.release" || ref === "control.handover") this.releasing = false;
        this.toast(capital(str(p.message, "Refused")), "bad");
        break;
      }
      case KindPointer:
        this.pointer(p);
        break;
      case KindDraw:
        this.remoteStroke(p);
        break;
      case KindRepairAnswer: {
        const done = Array.isArray(p.done) ? p.done.filter((d): d is string => typeof d === "string") : [];
        this.repair = { pending: false, actions: this.repair.actions, answer: { allow: p.allow === true, done } };
        this.later("repair", repairShownMs, () => {
          this.repair = { ...this.repair, answer: null };
          this.o.onChange();
        });
        break;
      }
      case KindCallState:
        this.call?.state(parseCallState(p));
        break;
      case KindRTC:
        this.call?.rtc(p);
        break;
      case KindCallMedia:
        this.call?.media(p);
        break;
      default:
        return false;
    }
    this.o.onChange();
    return true;
  }

  /** The channel dropped: the server took this console's control and call away. */
  disconnected(): void {
    this.requesting = false;
    this.releasing = false;
    if (this.hasControl) this.holder = null;
    this.pointers.clear();
    this.o.onChange();
  }

  requestControl(): void {
    if (this.send(KindControlRequest)) this.requesting = true;
    this.o.onChange();
  }

  releaseControl(): void {
    if (this.send(KindControlRelease)) this.releasing = true;
  }

  handover(to: string): void {
    if (to && this.send(KindControlHandover, { to })) this.releasing = true;
  }

  /** Sends an operation; only the holder's are not refused. */
  op(op: Op): boolean {
    return this.send(KindOp, op);
  }

  requestRepair(actions: string[]): void {
    if (!actions.length) return;
    if (this.send(KindRepairRequest, { actions })) this.repair = { pending: true, actions, answer: null };
    this.o.onChange();
  }

  /** Shows a toast for toastMs. */
  toast(text: string, tone: Toast["tone"] = "bad"): void {
    const id = ++this.toastSeq;
    this.toasts = mergeToast(this.toasts, { id, text, tone });
    this.o.timers.set(() => this.dropToast(id), toastMs);
    this.o.onChange();
  }

  dropToast(id: number): void {
    const n = this.toasts.length;
    this.toasts = this.toasts.filter((t) => t.id !== id);
    if (this.toasts.length !== n) this.o.onChange();
  }

  /** Starts or extends this agent's stroke with points (document coordinates). */
  ownStroke(id: string, color: string, points: Point[], done: boolean): void {
    this.stroke(`me:${id}`, "me", true, color, points, done);
  }

  private send(kind: string, payload?: unknown): boolean {
    const ok = this.o.send(kind, payload);
    if (!ok) this.toast("Not connected to the server right now", "bad");
    return ok;
  }

  private pointer(p: Record<string, unknown>): void {
    const from = str(p.from);
    if (!from || from === this.me?.conn) return;
    if (p.hide) {
      this.pointers.delete(from);
      this.clearTimer(`p:${from}`);
      return;
    }
    this.pointers.set(from, { from, name: str(p.fromName, "Agent"), place: { node: num(p.node), ox: num(p.ox), oy: num(p.oy), x: num(p.x) ?? NaN, y: num(p.y) ?? NaN } });
    this.later(`p:${from}`, pointerIdleMs, () => {
      this.pointers.delete(from);
      this.o.onChange();
    });
  }

  private remoteStroke(p: Record<string, unknown>): void {
    const from = str(p.from);
    if (!from || from === this.me?.conn) return;
    const pts = Array.isArray(p.points) ? p.points : [];
    const points: Point[] = [];
    for (const q of pts) {
      const x = num((q as Record<string, unknown>)?.x);
      const y = num((q as Record<string, unknown>)?.y);
      if (x !== undefined && y !== undefined) points.push({ x, y });
    }
    this.stroke(`${from}:${str(p.id)}`, from, false, str(p.color, "#e5484d"), points, p.done === true);
  }

  private stroke(key: string, from: string, own: boolean, color: string, points: Point[], done: boolean): void {
    const s = this.strokes.get(key) ?? { key, from, own, color, points: [], done: false, fading: false };
    const next: Stroke = { ...s, points: [...s.points, ...points].slice(0, maxStrokePoints), done: s.done || done };
    this.strokes = new Map(this.strokes).set(key, next);
    this.later(`s:${key}`, next.done ? strokeStayMs : strokeIdleMs, () => {
      const cur = this.strokes.get(key);
      if (!cur) return;
      this.strokes = new Map(this.strokes).set(key, { ...cur, fading: true });
      this.o.onChange();
      this.later(`s:${key}`, strokeFadeMs, () => {
        const m = new Map(this.strokes);
        m.delete(key);
        this.strokes = m;
        this.o.onChange();
      });
    });
    this.o.onChange();
  }

  private later(key: string, ms: number, fn: () => void): void {
    this.clearTimer(key);
    this.timersOf.set(
      key,
      this.o.timers.set(() => {
        this.timersOf.delete(key);
        fn();
      }, ms),
    );
  }

  private clearTimer(key: string): void {
    const t = this.timersOf.get(key);
    if (t !== undefined) this.o.timers.clear(t);
    this.timersOf.delete(key);
  }

  /** Cancels every timer (the view is going away). */
  stop(): void {
    for (const t of this.timersOf.values()) this.o.timers.clear(t);
    this.timersOf.clear();
  }
}

function capital(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
