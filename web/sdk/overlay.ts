// The agents' pointers and drawings on the person's page. They are drawn in
// a fixed, click-through layer inside Tandem's shadow root, so they never
// get in the person's way and are never recorded.

import { maxStrokePoints, pathData, pointerIdleMs, strokeFadeMs, strokeIdleMs, strokeStayMs } from "../shared/drawing";
import { toDocument, type Place } from "./geometry";
import { el } from "./panel";

const svgNS = "http://www.w3.org/2000/svg";

const arrow =
  '<svg viewBox="0 0 22 22" aria-hidden="true"><path d="M2 2 L2 18 L7 13.5 L10.5 20.5 L13.5 19 L10 12 L17 12 Z" fill="#7c3aed" stroke="#fff" stroke-width="1.5" stroke-linejoin="round"/></svg>';

/** safeColor keeps a stroke colour that is a plain CSS colour, else the default. */
export function safeColor(c: unknown): string {
  const s = typeof c === "string" ? c.trim() : "";
  return /^(#[0-9a-f]{3,8}|[a-z]{3,20}|(rgb|hsl)a?\([\d\s.,%/]+\))$/i.test(s) ? s : "#e11d48";
}

interface Pointer {
  el: HTMLElement;
  place: Place;
  timer: number;
}

interface Stroke {
  path: SVGPathElement;
  points: { x: number; y: number }[];
  timer: number;
}

export class Overlay {
  private layer: HTMLElement;
  private svg: SVGSVGElement;
  private g: SVGGElement;
  private pointers = new Map<string, Pointer>();
  private strokes = new Map<string, Stroke>();
  private frame = 0;
  private onMove = () => {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.place());
  };

  constructor(
    root: ShadowRoot,
    private lookup: (id: number) => Node | null,
  ) {
    this.svg = document.createElementNS(svgNS, "svg");
    this.g = document.createElementNS(svgNS, "g");
    this.svg.appendChild(this.g);
    this.layer = el("div", { class: "ov", "aria-hidden": "true" });
    this.layer.appendChild(this.svg);
    root.appendChild(this.layer);
    this.place();
    // Capture: scrolling inside any element moves what pointers sit on.
    window.addEventListener("scroll", this.onMove, { capture: true, passive: true });
    window.addEventListener("resize", this.onMove, { passive: true });
  }

  /** A pointer frame: {node, ox, oy, x, y} or {hide: true}, from an agent. */
  pointer(p: Record<string, unknown>): void {
    const from = String(p.from || "");
    let ptr = this.pointers.get(from);
    if (p.hide) {
      if (ptr) this.dropPointer(from, ptr);
      return;
    }
    if (!ptr) {
      const label = el("span", {}, String(p.fromName || "Support"));
      const e = el("div", { class: "ptr", "data-tandem-ui": "pointer", "data-from": from });
      e.innerHTML = arrow; // a constant
      e.appendChild(label);
      this.layer.appendChild(e);
      ptr = { el: e, place: p, timer: 0 };
      this.pointers.set(from, ptr);
    }
    ptr.place = p;
    clearTimeout(ptr.timer);
    const cur = ptr;
    ptr.timer = window.setTimeout(() => this.dropPointer(from, cur), pointerIdleMs);
    this.placePointer(ptr);
  }

  /** A draw frame: a stroke's next points; done ends it and starts its fade. */
  draw(p: Record<string, unknown>): void {
    const key = String(p.from || "") + "\n" + String(p.id || "");
    let s = this.strokes.get(key);
    if (!s) {
      const path = document.createElementNS(svgNS, "path");
      path.setAttribute("class", "st");
      path.setAttribute("data-tandem-ui", "stroke");
      path.setAttribute("data-from", String(p.from || ""));
      path.style.stroke = safeColor(p.color);
      this.g.appendChild(path);
      s = { path, points: [], timer: 0 };
      this.strokes.set(key, s);
    }
    const pts = Array.isArray(p.points) ? (p.points as Record<string, unknown>[]) : [];
    for (const pt of pts) {
      if (s.points.length >= maxStrokePoints) break;
      if (!pt || typeof pt !== "object") continue;
      // A point may name a node (its own, or the stroke's) with offsets.
      const place: Place = "node" in pt ? pt : { node: "ox" in pt ? p.node : undefined, ox: pt.ox, oy: pt.oy, x: pt.x, y: pt.y };
      const d = toDocument(place, this.lookup);
      if (d) s.points.push(d);
    }
    s.path.setAttribute("d", pathData(s.points));
    clearTimeout(s.timer);
    const cur = s;
    s.timer = window.setTimeout(() => this.fade(key, cur), p.done ? strokeStayMs : strokeIdleMs);
  }

  private fade(key: string, s: Stroke): void {
    s.path.classList.add("fade");
    s.timer = window.setTimeout(() => {
      s.path.remove();
      if (this.strokes.get(key) === s) this.strokes.delete(key);
    }, strokeFadeMs);
  }

  private dropPointer(from: string, p: Pointer): void {
    clearTimeout(p.timer);
    p.el.remove();
    if (this.pointers.get(from) === p) this.pointers.delete(from);
  }

  private placePointer(p: Pointer): void {
    const d = toDocument(p.place, this.lookup);
    if (!d) {
      p.el.style.display = "none";
      return;
    }
    p.el.style.display = "";
    p.el.style.transform = "translate(" + (d.x - window.scrollX) + "px," + (d.y - window.scrollY) + "px)";
  }

  // place puts everything where it belongs after a scroll or resize:
  // strokes stay on the document, pointers on their nodes.
  private place(): void {
    this.frame = 0;
    this.g.setAttribute("transform", "translate(" + -window.scrollX + " " + -window.scrollY + ")");
    for (const p of this.pointers.values()) this.placePointer(p);
  }

  /** Removes every pointer and stroke and the layer itself. */
  stop(): void {
    window.removeEventListener("scroll", this.onMove, { capture: true });
    window.removeEventListener("resize", this.onMove);
    cancelAnimationFrame(this.frame);
    for (const p of this.pointers.values()) clearTimeout(p.timer);
    for (const s of this.strokes.values()) clearTimeout(s.timer);
    this.pointers.clear();
    this.strokes.clear();
    this.layer.remove();
  }
}
