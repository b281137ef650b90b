// The mirror: the person's page drawn by rrweb at their exact window size,
// scaled down with a CSS transform to fit ("Fit") or shown at 1:1 with
// scroll bars, with click and touch marks over it.

import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import "rrweb/dist/style.css";
import type { Mark } from "../../shared/replay/marks";
import { fitScale, Size } from "../../shared/replay/layout";

/** How the mirror is scaled. */
export type ViewMode = "fit" | "1:1";

/** A mark to draw; ageMs lets a replay start the fade part-way. */
export interface MirrorMark extends Mark {
  key: string;
  ageMs?: number;
}

/** Props of Mirror. */
export interface MirrorProps {
  size: Size | null;
  mode: ViewMode;
  marks: readonly MirrorMark[];
  paused?: boolean;
  /** Receives the element the player mounts in (and null when it goes away). */
  onHost(el: HTMLElement | null): void;
  /** Shown over the mirror: waiting messages and the like. */
  children?: ComponentChildren;
  /** Drawn on the page itself, in the person's pixels (pointers, strokes, the capture layer). */
  stage?: ComponentChildren;
  /** Set while the agent holds control: the mirror is outlined. */
  control?: boolean;
}

/** The mirror area. */
export function Mirror(props: MirrorProps) {
  const area = useRef<HTMLDivElement>(null);
  const host = useRef<HTMLDivElement>(null);
  const [areaSize, setAreaSize] = useState<Size>({ width: 0, height: 0 });

  useLayoutEffect(() => {
    props.onHost(host.current);
    return () => props.onHost(null);
  }, []);

  useEffect(() => {
    const el = area.current;
    if (!el) return;
    const measure = () => setAreaSize({ width: el.clientWidth, height: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const size = props.size;
  const scale = size ? (props.mode === "fit" ? fitScale(size, areaSize) : 1) : 1;
  const w = size ? Math.round(size.width * scale) : 0;
  const h = size ? Math.round(size.height * scale) : 0;

  return (
    <div
      class={`mirror mode-${props.mode === "fit" ? "fit" : "one"}${props.control ? " in-control" : ""}`}
      ref={area}
      data-testid="mirror"
      data-scale={scale.toFixed(3)}
      data-width={size?.width}
      data-height={size?.height}
    >
      <div class="mirror-scroll">
        <div class="mirror-box" style={{ width: `${w}px`, height: `${h}px`, visibility: size ? "visible" : "hidden" }}>
          <div
            class="mirror-stage"
            style={{
              width: size ? `${size.width}px` : "0",
              height: size ? `${size.height}px` : "0",
              transform: `scale(${scale})`,
              // What is drawn on the stage at screen size (pointers) undoes the scale.
              "--mirror-scale": String(scale),
            }}
          >
            <div class="mirror-host" ref={host} />
            <div class={`marks${props.paused ? " paused" : ""}`}>
              {props.marks.map((m) => (
                <span
                  key={m.key}
                  class={`click-mark mark-${m.kind}`}
                  data-testid="click-mark"
                  data-kind={m.kind}
                  style={{ left: `${m.x}px`, top: `${m.y}px`, animationDelay: m.ageMs ? `-${Math.round(m.ageMs)}ms` : undefined }}
                />
              ))}
            </div>
            {props.stage}
          </div>
        </div>
      </div>
      {props.children}
    </div>
  );
}

/** The Fit / 1:1 switch. */
export function ViewToggle({ mode, onChange }: { mode: ViewMode; onChange(m: ViewMode): void }) {
  return (
    <div class="segmented" role="group" aria-label="Zoom">
      <button class={mode === "fit" ? "on" : ""} aria-pressed={mode === "fit"} data-testid="view-fit" onClick={() => onChange("fit")} title="Fit to the window (F)">
        Fit
      </button>
      <button class={mode === "1:1" ? "on" : ""} aria-pressed={mode === "1:1"} data-testid="view-1to1" onClick={() => onChange("1:1")} title="Actual size (1)">
        1:1
      </button>
    </div>
  );
}
