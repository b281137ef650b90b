// Canvas in the mirror. The recorder sends a canvas as pictures: its content
// when a snapshot is taken (the rr_dataURL attribute) and then, a few times a
// second, a frame of two commands (clear, then draw a base64 image). rrweb
// replays canvas only with script allowed in the mirror, so the console draws
// these itself, from its own code, onto the mirror's canvas elements. Only
// those shapes are understood; anything else is refused (no other command,
// no URL is followed, nothing is evaluated).

import { EventType, RREvent } from "./events";
import { rasterDataURL } from "./sanitize";

/** rrweb's IncrementalSource values read here. */
const Src = { Mutation: 0, CanvasMutation: 9 } as const;

/** Limits on what a frame may hold. */
const maxImageChars = 16 << 20; // base64 characters of one picture
const maxCoord = 1 << 16;
/** The most frames kept for a canvas that is not drawn yet. */
const maxPending = 32;

/** Image types a frame's picture may have. */
const imageTypes = new Set(["image/webp", "image/png", "image/jpeg", "image/gif"]);

/** One drawing step. */
export type CanvasCommand =
  | { op: "clear"; x: number; y: number; w: number; h: number }
  /** Clears the whole canvas, whatever its size. */
  | { op: "reset" }
  | { op: "image"; type: string; base64: string; x: number; y: number; w?: number; h?: number };

/** A frame: commands applied together once its pictures are decoded. */
export type CanvasFrame = CanvasCommand[];

const isCoord = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= maxCoord;
const isBase64 = (s: unknown): s is string => typeof s === "string" && s.length <= maxImageChars && /^[A-Za-z0-9+/]*={0,2}$/.test(s);

function plain(v: unknown): v is Record<string, any> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** Reads `ImageBitmap(Blob([ArrayBuffer(base64)], type))`, the recorder's picture. */
function readPicture(arg: unknown): { type: string; base64: string } | null {
  if (!plain(arg) || arg.rr_type !== "ImageBitmap" || !Array.isArray(arg.args) || arg.args.length !== 1) return null;
  const blob = arg.args[0];
  if (!plain(blob) || blob.rr_type !== "Blob" || !Array.isArray(blob.data) || blob.data.length !== 1) return null;
  const type = typeof blob.type === "string" ? blob.type.toLowerCase() : "";
  if (!imageTypes.has(type)) return null;
  const buf = blob.data[0];
  if (!plain(buf) || buf.rr_type !== "ArrayBuffer" || !isBase64(buf.base64)) return null;
  return { type, base64: buf.base64 };
}

function readCommand(c: unknown): CanvasCommand | null {
  if (!plain(c) || !Array.isArray(c.args) || c.setter) return null;
  const a = c.args;
  if (c.property === "clearRect") {
    if (a.length !== 4 || !a.every(isCoord)) return null;
    return { op: "clear", x: a[0], y: a[1], w: a[2], h: a[3] };
  }
  if (c.property === "drawImage") {
    if (a.length !== 3 && a.length !== 5) return null;
    const pic = readPicture(a[0]);
    const nums = a.slice(1);
    if (!pic || !nums.every(isCoord)) return null;
    const [x, y, w, h] = nums as number[];
    return a.length === 5 ? { op: "image", ...pic, x, y, w, h } : { op: "image", ...pic, x, y };
  }
  return null;
}

/**
 * Returns the frame of a CanvasMutation event's data, or null when it is not
 * one the recorder's 2D picture mode makes (then it is not drawn at all).
 */
export function parseCanvasMutation(d: unknown): { id: number; frame: CanvasFrame } | null {
  if (!plain(d) || d.source !== Src.CanvasMutation || typeof d.id !== "number" || d.type !== 0) return null;
  if (!Array.isArray(d.commands) || d.commands.length === 0 || d.commands.length > 8) return null;
  const frame: CanvasFrame = [];
  for (const c of d.commands) {
    const cmd = readCommand(c);
    if (!cmd) return null;
    frame.push(cmd);
  }
  return { id: d.id, frame };
}

/** Returns the frame that draws a snapshot's rr_dataURL, or null for anything but a base64 raster image. */
export function parseDataURL(v: unknown): CanvasFrame | null {
  if (typeof v !== "string" || v.length > maxImageChars || !rasterDataURL.test(v)) return null;
  const comma = v.indexOf(",");
  const type = v.slice(5, v.indexOf(";"));
  return [{ op: "reset" }, { op: "image", type, base64: v.slice(comma + 1), x: 0, y: 0 }];
}

/** Whether a frame replaces everything drawn before it. */
function replacesAll(f: CanvasFrame): boolean {
  const c = f[0];
  return !!c && (c.op === "reset" || (c.op === "clear" && c.x <= 0 && c.y <= 0));
}

/** The parts of a 2D context the painter uses. */
export interface Context2D {
  clearRect(x: number, y: number, w: number, h: number): void;
  drawImage(img: any, x: number, y: number, w?: number, h?: number): void;
}

/** A canvas to draw on (the mirror's element; a fake in tests). */
export interface CanvasTarget {
  width: number;
  height: number;
  getContext(kind: "2d"): Context2D | null;
}

/** A decoded picture. */
export interface Picture {
  close?(): void;
}

/** What a CanvasPainter needs from its surroundings. */
export interface PainterDeps {
  /** The mirror's canvas with this rrweb id, or null while there is none. */
  canvas(id: number): CanvasTarget | null;
  /** Decodes a picture (default: createImageBitmap of a Blob). */
  decode?(type: string, bytes: Uint8Array): Promise<Picture>;
  /** Runs fn after the current task's events are applied (default: queueMicrotask). */
  later?(fn: () => void): void;
}

function base64Bytes(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const browserDecode = (type: string, bytes: Uint8Array): Promise<Picture> => createImageBitmap(new Blob([bytes as BlobPart], { type }));

/**
 * CanvasPainter draws canvas frames as the player applies events. Frames of
 * events applied together (a seek applies everything up to the new time at
 * once) are collapsed to what the canvas shows at the end, then drawn in
 * order, each once its pictures are decoded.
 */
export class CanvasPainter {
  /** Frames to draw per canvas id, oldest first. */
  private pending = new Map<number, CanvasFrame[]>();
  /** Snapshot pictures taken out of events, by the event the player will apply. */
  private pictures = new WeakMap<object, Map<number, CanvasFrame>>();
  /** The end of each canvas's chain of draws, so that they land in order. */
  private chains = new WeakMap<object, Promise<void>>();
  private scheduled = false;
  private readonly deps: PainterDeps;
  private readonly decode: (type: string, bytes: Uint8Array) => Promise<Picture>;
  private readonly later: (fn: () => void) => void;
  /** Frames refused (not the recorder's shapes), for debugging. */
  refused = 0;

  constructor(deps: PainterDeps) {
    this.deps = deps;
    this.decode = deps.decode ?? browserDecode;
    this.later = deps.later ?? ((fn) => queueMicrotask(fn));
  }

  /**
   * Returns e without the canvases' rr_dataURL attributes (the player would
   * draw them late, over newer frames); they are drawn when e is applied.
   */
  take(e: RREvent): RREvent {
    if (e.type === EventType.FullSnapshot && e.data?.node) {
      const found = new Map<number, CanvasFrame>();
      const node = this.strip(e.data.node, found);
      if (found.size === 0) return e;
      const out = { ...e, data: { ...e.data, node } };
      this.pictures.set(out, found);
      return out;
    }
    if (e.type === EventType.IncrementalSnapshot && e.data?.source === Src.Mutation && Array.isArray(e.data.adds)) {
      const found = new Map<number, CanvasFrame>();
      const adds = e.data.adds.map((a: any) => (a?.node ? { ...a, node: this.strip(a.node, found) } : a));
      if (found.size === 0) return e;
      const out = { ...e, data: { ...e.data, adds } };
      this.pictures.set(out, found);
      return out;
    }
    return e;
  }

  private strip(n: any, found: Map<number, CanvasFrame>): any {
    if (!n || typeof n !== "object") return n;
    let out = n;
    if (n.type === 2 && String(n.tagName).toLowerCase() === "canvas" && n.attributes && "rr_dataURL" in n.attributes) {
      const { rr_dataURL, ...rest } = n.attributes;
      const f = parseDataURL(rr_dataURL);
      if (f) found.set(n.id, f);
      out = { ...n, attributes: rest };
    }
    if (Array.isArray(n.childNodes)) {
      const kids = n.childNodes.map((c: any) => this.strip(c, found));
      if (kids.some((k: any, i: number) => k !== n.childNodes[i])) out = { ...out, childNodes: kids };
    }
    return out;
  }

  /** Called as the player applies e (an rrweb plugin's handler). */
  applied(e: RREvent): void {
    if (e.type === EventType.FullSnapshot) this.pending.clear();
    const pics = this.pictures.get(e);
    if (pics) for (const [id, f] of pics) this.pending.set(id, [f]);
    if (e.type === EventType.IncrementalSnapshot && e.data?.source === Src.CanvasMutation) {
      const m = parseCanvasMutation(e.data);
      if (!m) {
        this.refused++;
        return;
      }
      const list = replacesAll(m.frame) ? [] : (this.pending.get(m.id) ?? []);
      list.push(m.frame);
      this.pending.set(m.id, list.slice(-maxPending));
    }
    if (this.pending.size && !this.scheduled) {
      this.scheduled = true;
      this.later(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Starts drawing what is pending on the canvases that are in the mirror now. */
  flush(): void {
    for (const [id, frames] of this.pending) {
      const target = this.deps.canvas(id);
      if (!target) continue; // not built yet: drawn when it is
      this.pending.delete(id);
      this.draw(target, frames);
    }
  }

  /** Resolves when every draw started so far on target has landed. */
  drawn(target: CanvasTarget): Promise<void> {
    return this.chains.get(target) ?? Promise.resolve();
  }

  private draw(target: CanvasTarget, frames: CanvasFrame[]): void {
    // Decoding starts now, for all frames at once; drawing keeps their order.
    const decoded = frames.map((f) =>
      Promise.all(
        f.map((c) => (c.op === "image" ? this.decode(c.type, base64Bytes(c.base64)).catch(() => null) : Promise.resolve(null))),
      ),
    );
    const prev = this.chains.get(target) ?? Promise.resolve();
    const next = prev.then(async () => {
      for (let i = 0; i < frames.length; i++) {
        const pics = await decoded[i];
        const ctx = target.getContext("2d");
        // A frame whose picture did not decode is skipped whole: its clear
        // alone would blank the canvas.
        const complete = frames[i].every((c, j) => c.op !== "image" || pics[j]);
        if (ctx && complete) {
          frames[i].forEach((c, j) => {
            if (c.op === "reset") ctx.clearRect(0, 0, target.width, target.height);
            else if (c.op === "clear") ctx.clearRect(c.x, c.y, c.w, c.h);
            else if (c.w !== undefined && c.h !== undefined) ctx.drawImage(pics[j], c.x, c.y, c.w, c.h);
            else ctx.drawImage(pics[j], c.x, c.y);
          });
        }
        for (const p of pics) p?.close?.();
      }
    });
    this.chains.set(
      target,
      next.catch(() => {}),
    );
  }
}
