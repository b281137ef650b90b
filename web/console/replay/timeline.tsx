// The replay's timeline: the seek bar with its markers (one shape and colour
// per kind, each a button that jumps there), previous/next marker buttons,
// and the "skip inactivity" switch, remembered in this browser.

import { useState } from "preact/hooks";
import { clock } from "../../shared/format";
import { Marker, markerNames, markerPercent } from "../../shared/replay/timeline";
import { seekStep } from "../../shared/replay/seek";
import { Icon } from "../common/ui";

const skipKey = "tandem.replay.skipIdle";

/** Whether the replay skips idle stretches: on unless the agent turned it off here. */
export function useSkipIdle(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(() => localStorage.getItem(skipKey) !== "0");
  return [
    on,
    (v: boolean) => {
      localStorage.setItem(skipKey, v ? "1" : "0");
      setOn(v);
    },
  ];
}

/** The seek bar with markers over it. */
export function Timeline(props: {
  start: number;
  end: number;
  cur: number;
  disabled: boolean;
  markers: readonly Marker[];
  onSeek(ms: number): void;
}) {
  const { start, end, cur, disabled, markers, onSeek } = props;
  const total = Math.max(0, end - start);
  return (
    <div class="timeline">
      <input
        class="seek"
        type="range"
        min={0}
        max={total}
        step={seekStep}
        value={cur}
        data-testid="replay-seek"
        aria-label="Position"
        disabled={disabled}
        onInput={(e) => onSeek(Number((e.currentTarget as HTMLInputElement).value))}
      />
      <div class="timeline-marks" role="group" aria-label="Markers">
        {markers.map((m) => (
          <button
            key={m.key}
            type="button"
            class={`tl-marker tl-${m.kind}`}
            style={{ left: `${markerPercent(m.ts, start, end)}%` }}
            data-testid="replay-marker"
            data-kind={m.kind}
            data-ts={String(m.ts - start)}
            aria-label={`${m.label}, at ${clock(m.ts - start)}`}
            title={`${clock(m.ts - start)} · ${m.label}`}
            disabled={disabled}
            onClick={() => onSeek(m.ts - start)}
          />
        ))}
      </div>
    </div>
  );
}

/** Previous / next marker buttons. */
export function MarkerNav(props: { disabled: boolean; onStep(dir: 1 | -1): void }) {
  return (
    <span class="marker-nav">
      <button class="btn btn-icon btn-ghost" data-testid="marker-prev" disabled={props.disabled} onClick={() => props.onStep(-1)} title="Previous marker (,)" aria-label="Previous marker">
        <Icon name="back" />
      </button>
      <button class="btn btn-icon btn-ghost" data-testid="marker-next" disabled={props.disabled} onClick={() => props.onStep(1)} title="Next marker (.)" aria-label="Next marker">
        <Icon name="forward" />
      </button>
    </span>
  );
}

/** The "skip inactivity" switch; saved says how much time skipping saves. */
export function SkipToggle(props: { on: boolean; saved: number; onChange(on: boolean): void }) {
  return (
    <label class="skip-toggle small" title={props.saved > 0 ? `Skips ${clock(props.saved)} of inactivity` : "Nothing to skip"}>
      <input type="checkbox" checked={props.on} data-testid="replay-skip" onChange={(e) => props.onChange((e.currentTarget as HTMLInputElement).checked)} />
      Skip inactivity
    </label>
  );
}

/** The list of markers in the side panel: each jumps to its moment. */
export function MarkerList(props: { markers: readonly Marker[]; start: number; current: Marker | null; onSeek(ms: number): void }) {
  const { markers, start, current, onSeek } = props;
  return (
    <>
      <h3>
        Moments <span class="section-count">{markers.length}</span>
      </h3>
      {markers.length === 0 ? (
        <div class="muted small">No clicks, pages or problems recorded.</div>
      ) : (
        <ul class="marker-list" data-testid="marker-list">
          {markers.map((m) => (
            <li key={m.key} class={current?.key === m.key ? "current" : ""}>
              <button class="linklike" onClick={() => onSeek(m.ts - start)} data-testid="marker-item" data-kind={m.kind}>
                <span class={`tl-dot tl-${m.kind}`} aria-hidden="true" />
                <span class="sr-only">{markerNames[m.kind]}: </span>
                <span class="marker-label">{m.label}</span>
              </button>
              <span class="page-url">{clock(m.ts - start)}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
