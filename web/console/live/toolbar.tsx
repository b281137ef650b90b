// The toolbar above the live mirror: the Pointer and Draw tools, remote
// control (ask, release, hand over, and while held: back, forward, reload
// and an address box), the repairs menu and the call buttons.

import { useRef } from "preact/hooks";
import { CallButtons } from "./callpanel";
import { Gestures, strokeColors, Tool } from "./gestures";
import { handoverChoices } from "./interact";
import type { LiveSession } from "./live";
import { resolveURL } from "./ops";
import { RepairMenu } from "./repair";
import { TipButton } from "../common/ui";

/** Props of LiveToolbar. */
export interface ToolbarProps {
  session: LiveSession;
  gestures: Gestures;
  tool: Tool;
  onTool(t: Tool): void;
  color: string;
  onColor(c: string): void;
  /** The address of the person's page, for the address box. */
  pageUrl: string;
  /** False until the page is live: the tools need a live page. */
  live: boolean;
}

/** The toolbar. */
export function LiveToolbar(p: ToolbarProps) {
  const ix = p.session.interact;
  // Nothing is disabled for the page not being live yet: a render may lag
  // the page by a moment, and the server refuses (with a toast) what is early.
  return (
    <div class={`live-toolbar${p.live ? "" : " idle"}`} role="toolbar" aria-label="Tools">
      <div class="tb-group">
        <TipButton icon="pointer" tip="Pointer: show the person where you point" testid="tool-pointer" pressed={p.tool === "pointer"} onClick={() => p.onTool(p.tool === "pointer" ? null : "pointer")} />
        <TipButton icon="pen" tip="Draw on the person's page" testid="tool-draw" pressed={p.tool === "draw"} onClick={() => p.onTool(p.tool === "draw" ? null : "draw")} />
        {p.tool === "draw" && (
          <div class="swatches" role="radiogroup" aria-label="Colour">
            {strokeColors.map((c) => (
              <button key={c} class={`swatch${c === p.color ? " on" : ""}`} style={{ background: c }} role="radio" aria-checked={c === p.color} aria-label={`Colour ${c}`} onClick={() => p.onColor(c)} />
            ))}
          </div>
        )}
      </div>
      <span class="tb-sep" />
      <ControlGroup {...p} />
      <div class="tb-fill" />
      <RepairMenu session={p.session} />
      <span class="tb-sep" />
      <CallButtons session={p.session} />
      {ix.hasControl && <NavGroup gestures={p.gestures} pageUrl={p.pageUrl} toast={(t) => ix.toast(t)} />}
    </div>
  );
}

function ControlGroup(p: ToolbarProps) {
  const ix = p.session.interact;
  const choices = handoverChoices(p.session.presence?.agents, ix.me);
  const mine = ix.hasControl;
  return (
    <div class="tb-group">
      <span class={`control-state${mine ? " mine" : ix.holder ? " other" : ""}`} data-testid="control-state" title="Who can act on the person's page">
        {ix.controlLabel}
      </span>
      {mine ? (
        <>
          <TipButton icon="hand" tip="Give control back to the person" testid="control-release" onClick={() => ix.releaseControl()}>
            Release
          </TipButton>
          {choices.length > 0 && (
            <select
              class="tb-select"
              data-testid="control-handover"
              aria-label="Hand over control to another agent"
              title="Hand over control to another agent"
              value=""
              onChange={(e) => {
                const to = (e.currentTarget as HTMLSelectElement).value;
                (e.currentTarget as HTMLSelectElement).value = "";
                ix.handover(to);
              }}
            >
              <option value="" disabled>
                Hand over to…
              </option>
              {choices.map((c) => (
                <option key={c.conn} value={c.conn}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </>
      ) : (
        <TipButton
          icon="hand"
          tip={ix.holder ? `${ix.holder.name || "Another agent"} has control; they can hand it over` : "Ask the person to let you act on their page"}
          testid="control-request"
          disabled={ix.requesting}
          onClick={() => ix.requestControl()}
        >
          {ix.requesting ? "Asking…" : "Request control"}
        </TipButton>
      )}
    </div>
  );
}

function NavGroup({ gestures, pageUrl, toast }: { gestures: Gestures; pageUrl: string; toast(text: string): void }) {
  const box = useRef<HTMLInputElement>(null);
  // Read at submit time: what is in the box is what the agent means.
  const go = () => {
    const typed = box.current?.value.trim() ?? "";
    const target = resolveURL(typed || pageUrl, pageUrl);
    if (target) gestures.nav("navigate", target);
    else toast("That is not a web address");
  };
  return (
    <div class="control-bar" data-testid="control-bar">
      <TipButton icon="back" tip="Back" testid="op-back" onClick={() => gestures.nav("back")} />
      <TipButton icon="forward" tip="Forward" testid="op-forward" onClick={() => gestures.nav("forward")} />
      <TipButton icon="refresh" tip="Reload the page" testid="op-reload" onClick={() => gestures.nav("reload")} />
      <form
        class="tb-url"
        onSubmit={(e) => {
          e.preventDefault();
          go();
        }}
      >
        <input
          ref={box}
          type="text"
          data-testid="op-url"
          aria-label="Address"
          placeholder={pageUrl || "Address on this site"}
          spellcheck={false}
          onFocus={(e) => {
            const el = e.currentTarget as HTMLInputElement;
            if (!el.value && pageUrl) {
              el.value = pageUrl;
              el.select();
            }
          }}
        />
        <button class="tb-btn with-text" type="submit" data-testid="op-go" data-tip="Go to this address">
          Go
        </button>
      </form>
      <span class="control-hint">You are acting on the person's page. They can take control back at any time.</span>
    </div>
  );
}
