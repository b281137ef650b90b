// A bot's delivery log: what Tandem sent it (mentions, button presses,
// commands), each with its state and attempts; dead ones can be retried.

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { when } from "../../shared/format";
import { ErrorNote, Icon, Loading, Pill, Spinner } from "../common/ui";
import { attemptMs, botsApi, Delivery, DeliveryAttempt, DeliveryState } from "./api";

const tones: Record<DeliveryState, "ok" | "warn" | "bad"> = { delivered: "ok", pending: "warn", dead: "bad" };

/** The deliveries section of a bot's page. */
export function DeliveriesSection({ botId }: { botId: string }) {
  const [state, setState] = useState<DeliveryState | "">("");
  const [list, setList] = useState<Delivery[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  const load = () =>
    botsApi
      .deliveries(botId, state || undefined)
      .then((r) => setList(r.deliveries ?? []))
      .catch((e) => {
        setErr(errorMessage(e));
        setList([]);
      });
  useEffect(() => {
    setList(null);
    void load();
  }, [botId, state]);

  return (
    <section class="card" aria-labelledby="bot-deliveries-h" data-testid="bot-deliveries">
      <div class="card-head">
        <h2 id="bot-deliveries-h">Delivery log</h2>
        <div class="head-actions">
          <label class="inline-field">
            <span>State</span>
            <select value={state} data-testid="deliveries-state" onChange={(e) => setState((e.currentTarget as HTMLSelectElement).value as DeliveryState | "")}>
              <option value="">All</option>
              <option value="pending">Pending</option>
              <option value="delivered">Delivered</option>
              <option value="dead">Dead</option>
            </select>
          </label>
          <button class="btn btn-ghost btn-icon" aria-label="Refresh the log" title="Refresh" onClick={() => void load()}>
            <Icon name="refresh" />
          </button>
        </div>
      </div>
      <ErrorNote message={err} />
      {list === null ? (
        <Loading inline />
      ) : list.length === 0 ? (
        <div class="muted small">Nothing delivered yet.</div>
      ) : (
        <ul class="delivery-list">
          {list.map((d) => (
            <DeliveryRow key={d.id} botId={botId} d={d} open={open === d.id} onToggle={() => setOpen(open === d.id ? null : d.id)} onRetried={load} />
          ))}
        </ul>
      )}
    </section>
  );
}

function DeliveryRow({ botId, d, open, onToggle, onRetried }: { botId: string; d: Delivery; open: boolean; onToggle(): void; onRetried(): void }) {
  const [attempts, setAttempts] = useState<DeliveryAttempt[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    if (!open) return;
    botsApi
      .delivery(botId, d.id)
      .then((r) => setAttempts(r.attempts ?? []))
      .catch((e) => setErr(errorMessage(e)));
  }, [open]);
  const retry = async () => {
    setBusy(true);
    setErr(null);
    try {
      await botsApi.retry(botId, d.id);
      onRetried();
    } catch (e) {
      setErr(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const detailsId = `delivery-${d.id}`;
  return (
    <li class="delivery" data-testid="delivery" data-delivery-id={d.id} data-state={d.state}>
      <div class="delivery-line">
        <button class="linklike delivery-toggle" aria-expanded={open} aria-controls={detailsId} onClick={onToggle}>
          <span class="mono">{d.kind}</span> · {when(d.createdAt)}
        </button>
        <Pill tone={tones[d.state] ?? "neutral"}>{d.state}</Pill>
        <span class="muted small">
          {d.attempts} attempt{d.attempts === 1 ? "" : "s"}
          {d.lastStatus ? ` · HTTP ${d.lastStatus}` : ""}
        </span>
        {d.state === "dead" && (
          <button class="btn" data-testid="delivery-retry" disabled={busy} onClick={retry}>
            {busy && <Spinner />} Retry
          </button>
        )}
      </div>
      {d.lastError && <div class="bad-text small">{d.lastError}</div>}
      <ErrorNote message={err} />
      {open && (
        <div id={detailsId} class="delivery-details">
          {d.state === "pending" && d.nextAttemptAt && <div class="muted small">Next attempt {when(d.nextAttemptAt)}</div>}
          {attempts === null ? (
            <Loading inline />
          ) : attempts.length === 0 ? (
            <div class="muted small">Not tried yet.</div>
          ) : (
            <table class="attempts">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">At</th>
                  <th scope="col">Status</th>
                  <th scope="col">Took</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {attempts.map((a) => (
                  <tr key={a.n} data-testid="delivery-attempt">
                    <td>{a.n}</td>
                    <td>{when(a.at)}</td>
                    <td>{a.status || "—"}</td>
                    <td>{attemptMs(a) !== undefined ? `${attemptMs(a)} ms` : "—"}</td>
                    <td class="bad-text">{a.error ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </li>
  );
}
