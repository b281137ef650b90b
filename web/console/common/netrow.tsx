// One network request in the devtools panel: a row (method, URL shortened
// in the middle, status, duration) that opens to everything the SDK
// recorded of it, and copies it as a curl command.

import { useState } from "preact/hooks";
import { duration, offset } from "../../shared/format";
import type { Row } from "../../shared/replay/rows";
import { curlCommand, hiddenValue, middleTruncate } from "./netdetail";

// Characters of URL a row shows; the full URL is in its title and detail.
const rowURLChars = 64;

/** A network row of the devtools panel. */
export function NetRow({ row, t0 }: { row: Row; t0: number }) {
  const [open, setOpen] = useState(false);
  const url = row.url ?? "";
  const status = row.error ? row.error : row.status === undefined ? "…" : row.status || "failed";
  return (
    <div class={`net${open ? " open" : ""}`} data-testid="devtools-net" data-open={open ? "true" : "false"}>
      <button
        type="button"
        class={`row row-network${row.failed ? " failed" : ""}`}
        data-testid="devtools-row"
        data-kind="network"
        data-status={row.status ?? ""}
        data-failed={row.failed ? "true" : "false"}
        data-url={url}
        title={url}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <span class="row-time">{offset(row.ts - t0)}</span>
        <span class="row-method">{row.method}</span>
        <span class="row-url" data-testid="net-url-short">
          {middleTruncate(url, rowURLChars)}
        </span>
        <span class="row-status">{status}</span>
        <span class="row-dur">{duration(row.durationMs)}</span>
      </button>
      {open && <NetDetail row={row} t0={t0} />}
    </div>
  );
}

function NetDetail({ row, t0 }: { row: Row; t0: number }) {
  const [copied, setCopied] = useState("");
  const curl = curlCommand(row);
  const copy = () => {
    const done = (how: string) => setCopied(how);
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(curl).then(
        () => done("Copied"),
        () => done("Select and copy the command below"),
      );
    } else done("Select and copy the command below");
  };
  const started = row.startedAt !== undefined ? offset(row.startedAt - t0) : offset(row.ts - t0);
  return (
    <div class="net-detail" data-testid="net-detail">
      <dl class="net-facts">
        <dt>Request</dt>
        <dd>
          <strong>{row.method}</strong> <span class="net-full-url" data-testid="net-url" title={row.url}>{row.url}</span>
        </dd>
        <dt>Status</dt>
        <dd data-testid="net-status">{row.error ? `failed: ${row.error}` : row.status === undefined ? "pending" : String(row.status)}</dd>
        <dt>Timing</dt>
        <dd data-testid="net-timing">
          started at {started}
          {row.durationMs !== undefined && <> · took {duration(row.durationMs)}</>}
          {row.ttfbMs !== undefined && <> · first byte after {duration(row.ttfbMs)}</>}
        </dd>
      </dl>
      <Headers title="Request headers" list={row.requestHeaders} testid="net-req-headers" />
      <Headers title="Response headers" list={row.responseHeaders} testid="net-res-headers" />
      <Body title="Request body" body={row.requestBody} testid="net-req-body" />
      <Body title="Response body" body={row.responseBody} testid="net-res-body" />
      {row.requestBody === undefined && row.responseBody === undefined && (
        <p class="net-note muted" data-testid="net-no-bodies">
          Bodies are not recorded for this site (tandem site set KEY --network-bodies on).
        </p>
      )}
      <div class="net-actions">
        <button type="button" class="btn" data-testid="net-copy-curl" data-curl={curl} onClick={copy}>
          Copy as curl
        </button>
        <span role="status" class="muted small" data-testid="net-copied">
          {copied}
        </span>
      </div>
      {copied && copied !== "Copied" && <pre class="net-curl">{curl}</pre>}
    </div>
  );
}

function Headers({ title, list, testid }: { title: string; list?: [string, string][]; testid: string }) {
  if (!list || list.length === 0) return null;
  return (
    <section class="net-section">
      <h4>{title}</h4>
      <table class="net-headers" data-testid={testid}>
        <tbody>
          {list.map(([k, v], i) => (
            <tr key={i}>
              <th scope="row">{k}</th>
              <td class={v === hiddenValue ? "muted" : ""} title={v === hiddenValue ? "Credentials never leave the person's page" : undefined}>
                {v}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Body({ title, body, testid }: { title: string; body?: string; testid: string }) {
  if (body === undefined) return null;
  return (
    <section class="net-section">
      <h4>{title}</h4>
      <pre class="net-body" data-testid={testid}>
        {body}
      </pre>
    </section>
  );
}
