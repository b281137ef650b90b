// What is drawn over the mirror, inside its scaled stage (so in the person's
// pixels): the strokes, the other agents' pointers, and the transparent
// layer that catches the agent's mouse and keys when a tool is on or the
// agent holds control. rrweb's iframe ignores the pointer on purpose; this
// layer is what makes the mirror answer.

import { useEffect, useRef, useState } from "preact/hooks";
import { nextInTabOrder, tabOrder } from "../../shared/dom";
import { pathData } from "../../shared/drawing";
import { focusable } from "../common/ui";
import type { Gestures } from "./gestures";
import type { LiveSession } from "./live";
import { boxOfNode, mirrorScroll } from "./mirrordom";
import { locatePlace } from "./place";

/** Props of MirrorOverlay. */
export interface OverlayProps {
  session: LiveSession;
  gestures: Gestures;
}

/** The overlay; it renders inside the Mirror's stage. */
export function MirrorOverlay({ session, gestures }: OverlayProps) {
  const layer = useRef<HTMLDivElement>(null);
  const [, setTick] = useState(0);
  const ix = session.interact;
  const control = ix.hasControl;
  const tool = gestures.tool;
  const active = !!tool || control;
  const scroll = mirrorScroll(session.player.replayer);
  const busy = ix.strokes.size > 0 || ix.pointers.size > 0 || !!gestures.drawing;

  // The strokes sit on the document and the pointers on their nodes: follow
  // the mirror's scroll and layout while there is something to place.
  const seen = useRef("");
  useEffect(() => {
    if (!busy) return;
    let frame = 0;
    const loop = () => {
      const r = session.player.replayer;
      const s = mirrorScroll(r);
      let sig = `${s.x},${s.y}`;
      for (const p of ix.pointers.values()) {
        const at = locatePlace(p.place, s, (id) => boxOfNode(r, id));
        sig += at ? `|${Math.round(at.x)},${Math.round(at.y)}` : "|-";
      }
      if (sig !== seen.current) {
        seen.current = sig;
        setTick((t) => t + 1);
      }
      frame = requestAnimationFrame(loop);
    };
    frame = requestAnimationFrame(loop);
    return () => cancelAnimationFrame(frame);
  }, [busy]);

  // Wheel and keys need listeners that may cancel the default.
  useEffect(() => {
    const el = layer.current;
    if (!el) return;
    const wheel = (e: WheelEvent) => gestures.wheelTurn(e, el);
    el.addEventListener("wheel", wheel, { passive: false });
    return () => el.removeEventListener("wheel", wheel);
  }, []);

  useEffect(() => {
    if (!control) layer.current?.blur();
  }, [control]);

  const strokes = [...ix.strokes.values()];
  const live = gestures.drawing;
  const r = session.player.replayer;

  return (
    <div class="mirror-ink">
      <svg class="strokes" aria-hidden="true">
        <g transform={`translate(${-scroll.x} ${-scroll.y})`}>
          {strokes.map((s) =>
            // The stroke being drawn is shown from its own points below.
            live && s.key === `me:${live.id}` ? null : (
              <path key={s.key} d={pathData(s.points)} class={`stroke${s.fading ? " fading" : ""}`} style={{ stroke: s.color }} data-testid="stroke" data-own={s.own ? "true" : "false"} />
            ),
          )}
          {live && <path d={pathData(live.points)} class="stroke" style={{ stroke: gestures.color }} data-testid="stroke" data-own="true" />}
        </g>
      </svg>
      {[...ix.pointers.values()].map((p) => {
        const at = locatePlace(p.place, scroll, (id) => boxOfNode(r, id));
        if (!at) return null;
        return (
          <div key={p.from} class="agent-pointer" style={{ translate: `${at.x}px ${at.y}px` }} data-testid="agent-pointer" data-from={p.from}>
            <svg viewBox="0 0 22 22" width="22" height="22" aria-hidden="true">
              <path d="M2 2 L2 18 L7 13.5 L10.5 20.5 L13.5 19 L10 12 L17 12 Z" />
            </svg>
            <span>{p.name}</span>
          </div>
        );
      })}
      <div
        ref={layer}
        class={`capture${active ? " on" : ""}${tool === "draw" ? " drawing" : ""}${control ? " control" : ""}`}
        data-testid="mirror-capture"
        tabIndex={control ? 0 : -1}
        aria-label={control ? "The person's page: click, type and scroll to act on it" : undefined}
        onMouseMove={(e) => active && gestures.move(e, e.currentTarget)}
        onMouseLeave={() => gestures.leave()}
        onMouseDown={(e) => active && gestures.down(e, e.currentTarget)}
        onMouseUp={() => gestures.up()}
        onClick={(e) => gestures.click(e, e.currentTarget)}
        onDblClick={(e) => gestures.dblclick(e, e.currentTarget)}
        onKeyDown={(e) => {
          if (control && e.key === "Escape" && e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey) {
            // Every other key is the person's, Tab too: without this one a
            // keyboard user could not leave the mirror.
            e.preventDefault();
            e.stopPropagation();
            leaveMirror(e.currentTarget);
            return;
          }
          if (gestures.key(e)) {
            e.preventDefault();
            e.stopPropagation();
          } else if (control) {
            e.stopPropagation(); // never the console's own shortcuts
          }
        }}
        onPaste={(e) => {
          const text = e.clipboardData?.getData("text/plain") ?? "";
          if (text) {
            e.preventDefault();
            gestures.typeText(text);
          }
        }}
        onContextMenu={(e) => control && e.preventDefault()}
      />
    </div>
  );
}

/** Moves the focus from the mirror to the console's next control, as Tab would. */
function leaveMirror(layer: HTMLElement): void {
  const order = tabOrder([...document.querySelectorAll<HTMLElement>(focusable)]);
  const next = nextInTabOrder(order, layer, false);
  if (next && next !== layer) next.focus();
  else layer.blur();
}
