// The devtools panel beside the mirror: the person's console, network
// requests and errors, in time order, with counters and a filter.

import { useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { offset } from "../../shared/format";
import { countRows, filterRows, Row, RowKind, rowKinds } from "../../shared/replay/rows";
import { NetRow } from "./netrow";
import { useShortcuts } from "./ui";

const tabLabels: Record<RowKind, string> = { console: "Console", network: "Network", error: "Errors" };
const tabIds: Record<RowKind, string> = { console: "devtools-console", network: "devtools-network", error: "devtools-errors" };

/** Props of Devtools. */
export interface DevtoolsProps {
  rows: readonly Row[];
  /** The time rows are shown relative to (person's clock). */
  base: number | null;
}

/** The devtools panel. */
export function Devtools({ rows, base }: DevtoolsProps) {
  const [tab, setTab] = useState<RowKind>("console");
  const [query, setQuery] = useState("");
  const list = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const filterBox = useRef<HTMLInputElement>(null);
  // The live view redraws for every batch of events, most of which add no
  // row (and keep rows the same array): count and filter only when rows change.
  const counts = useMemo(() => countRows(rows), [rows]);
  const shown = useMemo(() => filterRows(rows, tab, query), [rows, tab, query]);
  const t0 = base ?? (rows.length ? rows[0].ts : 0);

  // Follow new rows while the list is scrolled to the bottom.
  useLayoutEffect(() => {
    const el = list.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [shown.length, tab]);

  useShortcuts((e) => {
    if (e.key === "/") {
      e.preventDefault();
      filterBox.current?.focus();
    }
  });

  return (
    <section class="devtools" aria-label="Devtools">
      <div class="tabs">
        <div class="tabs-list" role="tablist" aria-label="Devtools">
          {rowKinds.map((k) => (
            <button
              key={k}
              role="tab"
              aria-selected={tab === k}
              class={`tab${tab === k ? " on" : ""}`}
              data-testid={tabIds[k]}
              onClick={() => {
                setTab(k);
                stick.current = true;
              }}
            >
              {tabLabels[k]}
              <span class={`count${counts.problems[k] ? " bad" : ""}`} data-testid={`${tabIds[k]}-count`}>
                {counts[k]}
              </span>
            </button>
          ))}
        </div>
        <div class="tabs-fill" />
        <input
          ref={filterBox}
          class="filter"
          type="search"
          placeholder="Filter  /"
          value={query}
          data-testid="devtools-filter"
          aria-label="Filter rows"
          onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <div
        class="rows"
        ref={list}
        // Scrolled with the keyboard too: focusable, and named for it.
        tabIndex={0}
        role="log"
        aria-label={`${tabLabels[tab]} rows`}
        onScroll={(e) => {
          const el = e.currentTarget as HTMLDivElement;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {shown.length === 0 ? (
          <div class="rows-empty">{emptyText(tab, query, counts[tab])}</div>
        ) : (
          shown.map((r) => <DevRow key={r.key} row={r} t0={t0} />)
        )}
      </div>
    </section>
  );
}

function emptyText(tab: RowKind, query: string, total: number): string {
  if (query && total) return "No rows match the filter.";
  switch (tab) {
    case "console":
      return "Nothing logged yet. The page's console messages appear here.";
    case "network":
      return "No requests yet. Fetch and XHR calls of the page appear here.";
    case "error":
      return "No errors. Uncaught errors and rejected promises appear here.";
  }
}

function DevRow({ row, t0 }: { row: Row; t0: number }) {
  const time = <span class="row-time">{offset(row.ts - t0)}</span>;
  switch (row.kind) {
    case "console":
      return (
        <div class={`row row-console level-${row.level}`} data-testid="devtools-row" data-kind="console" data-level={row.level}>
          {time}
          <span class="row-level">{row.level}</span>
          <span class="row-text">{row.text}</span>
        </div>
      );
    case "network":
      return <NetRow row={row} t0={t0} />;
    case "error":
      return (
        <div class="row row-error" data-testid="devtools-row" data-kind="error">
          {time}
          <div class="row-main">
            <span class="row-text">{row.text}</span>
            {row.source && <span class="row-source">{row.source}</span>}
            {row.stack && (
              <details class="row-stack">
                <summary>Stack</summary>
                <pre>{row.stack}</pre>
              </details>
            )}
          </div>
        </div>
      );
  }
}
