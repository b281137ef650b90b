// Gestures turns what the agent does over the mirror into frames: pointer
// moves (with the Pointer tool), strokes (with the Draw tool), and, while the
// agent holds control, clicks, typing, keys and the wheel as operations. The
// mapping from the agent's screen to the person's page is place.ts; the
// mirror's DOM is read through mirrordom.ts.

import { browserTimers } from "../../shared/socket";
import type { LiveSession } from "./live";
import { boxOfNode, hitAt, mirrorScroll, tabFrom } from "./mirrordom";
import { keyAction, KeyLike, opAt, OpIds, Typist, Wheel, wheelPixels } from "./ops";
import { drawnScale, Place, placeOf, Point, toDocument, toViewport } from "./place";
import { pointerIntervalMs, StrokeBatch, Throttle } from "../common/throttle";

/** The tools of the mirror's toolbar. */
export type Tool = "pointer" | "draw" | null;

/** The stroke colours offered; the first is the default. */
export const strokeColors = ["#e5484d", "#f59e0b", "#12a594", "#3e63dd"] as const;

interface Drawing {
  id: string;
  batch: StrokeBatch<Point>;
  points: Point[];
}

/** Gestures belongs to one live view. */
export class Gestures {
  tool: Tool = null;
  color: string = strokeColors[0];
  /** The stroke being drawn, for the overlay to show at once. */
  drawing: Drawing | null = null;

  private readonly s: LiveSession;
  private readonly ids = new OpIds();
  private readonly pointer: Throttle<Place>;
  private readonly typist: Typist;
  private readonly wheel: Wheel;
  private pointerShown = false;
  // The node typing goes into: the last one clicked (or tabbed to).
  private focusNode = -1;
  private readonly redraw: () => void;

  constructor(s: LiveSession, redraw: () => void) {
    this.s = s;
    this.redraw = redraw;
    this.pointer = new Throttle<Place>(pointerIntervalMs, (p) => this.sendPointer(p), browserTimers);
    this.typist = new Typist((node, text) => this.op("type", this.nodePlace(node), { text }), browserTimers);
    this.wheel = new Wheel((place, dx, dy) => this.op("scroll", place, { dx, dy }), browserTimers);
  }

  private get replayer() {
    return this.s.player.replayer;
  }

  private get control(): boolean {
    return this.s.interact.hasControl;
  }

  /** Switches tools; leaving the pointer tool hides the pointer on the page. */
  setTool(t: Tool): void {
    if (t !== "pointer") this.hidePointer();
    if (t !== "draw") this.endStroke();
    this.tool = t;
  }

  /** The viewport point (person's pixels) under a mouse event on the layer. */
  point(e: { clientX: number; clientY: number }, layer: HTMLElement): Point {
    const rect = layer.getBoundingClientRect();
    return toViewport({ x: e.clientX, y: e.clientY }, rect, drawnScale(rect, layer.offsetWidth));
  }

  /** The place of a viewport point: node, offsets and document coordinates. */
  place(v: Point): Place {
    const hit = hitAt(this.replayer, v);
    return placeOf(v, mirrorScroll(this.replayer), hit && hit.node > 0 ? hit : null);
  }

  move(e: MouseEvent, layer: HTMLElement): void {
    const v = this.point(e, layer);
    if (this.drawing) {
      const d = toDocument(v, mirrorScroll(this.replayer));
      const p = { x: Math.round(d.x * 10) / 10, y: Math.round(d.y * 10) / 10 };
      this.drawing.points.push(p);
      this.drawing.batch.add(p);
      this.redraw();
    }
    if (this.tool === "pointer") this.pointer.push(this.place(v));
  }

  leave(): void {
    this.hidePointer();
    this.endStroke();
  }

  down(e: MouseEvent, layer: HTMLElement): void {
    if (e.button !== 0) return;
    if (this.tool === "draw") {
      e.preventDefault();
      this.startStroke(this.point(e, layer));
      return;
    }
    if (this.control) layer.focus({ preventScroll: true });
  }

  up(): void {
    this.endStroke();
  }

  click(e: MouseEvent, layer: HTMLElement): void {
    if (this.tool === "draw" || !this.control || e.button !== 0) return;
    // The second click of a double click is the dblclick operation's.
    if (e.detail > 1) return;
    this.typist.flush();
    const place = this.place(this.point(e, layer));
    this.focusNode = place.node ?? -1;
    this.op("click", place);
  }

  dblclick(e: MouseEvent, layer: HTMLElement): void {
    if (this.tool === "draw" || !this.control) return;
    this.typist.flush();
    this.op("dblclick", this.place(this.point(e, layer)));
  }

  /** Handles a key press over the mirror; false leaves it to the browser. */
  key(e: KeyLike): boolean {
    if (!this.control) return false;
    // Ctrl/Cmd+V is left to the browser so that a paste event follows.
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "v") return false;
    const a = keyAction(e);
    if (!a) return false;
    if (a.kind === "text") {
      this.typeText(a.text);
      return true;
    }
    this.typist.flush();
    const { kind: _kind, ...rest } = a;
    this.op("key", null, rest);
    if (a.key === "Tab") this.focusNode = tabFrom(this.replayer, this.focusNode, !!a.shift);
    return true;
  }

  /** Types text (from a paste) into the node last clicked. */
  typeText(text: string): void {
    if (!this.control || !text) return;
    if (this.focusNode <= 0) {
      this.s.interact.toast("Click the field to type into first", "info");
      return;
    }
    this.typist.add(this.focusNode, text);
  }

  wheelTurn(e: WheelEvent, layer: HTMLElement): void {
    if (!this.control) return;
    e.preventDefault();
    const page = layer.offsetHeight || 600;
    this.wheel.add(this.place(this.point(e, layer)), wheelPixels(e.deltaX, e.deltaMode, page), wheelPixels(e.deltaY, e.deltaMode, page));
  }

  /** Back, forward, reload, or navigate to url. */
  nav(op: "back" | "forward" | "reload" | "navigate", url?: string): void {
    this.typist.flush();
    this.op(op, null, url ? { url } : {});
  }

  /** Sends what is still gathered and hides the pointer (the view goes away). */
  stop(): void {
    this.typist.flush();
    this.wheel.flush();
    this.hidePointer();
    this.endStroke();
  }

  private op(op: string, place: Place | null, extra: Record<string, unknown> = {}): void {
    this.s.interact.op(opAt(this.ids.next(), op, place, extra));
  }

  private nodePlace(node: number): Place | null {
    const box = boxOfNode(this.replayer, node);
    if (!box) return { node, ox: 0.5, oy: 0.5, x: NaN, y: NaN };
    const v = { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    return placeOf(v, mirrorScroll(this.replayer), { node, box });
  }

  private sendPointer(p: Place): void {
    if (this.tool !== "pointer") return;
    this.pointerShown = this.s.channel.send({ k: "pointer" }, p) || this.pointerShown;
  }

  private hidePointer(): void {
    this.pointer.cancel();
    if (!this.pointerShown) return;
    this.pointerShown = false;
    this.s.channel.send({ k: "pointer" }, { hide: true });
  }

  private startStroke(v: Point): void {
    this.endStroke();
    const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const color = this.color;
    const node = this.place(v).node;
    const batch = new StrokeBatch<Point>((points, done) => {
      this.s.channel.send({ k: "draw" }, { id, node, points, color, done });
      this.s.interact.ownStroke(id, color, points, done);
    }, browserTimers);
    this.drawing = { id, batch, points: [] };
    const d = toDocument(v, mirrorScroll(this.replayer));
    const p = { x: Math.round(d.x * 10) / 10, y: Math.round(d.y * 10) / 10 };
    this.drawing.points.push(p);
    batch.add(p);
    this.redraw();
  }

  private endStroke(): void {
    const d = this.drawing;
    if (!d) return;
    this.drawing = null;
    d.batch.end();
    this.redraw();
  }
}
