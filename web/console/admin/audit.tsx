// The audit log: newest first, filtered by actor, action and session,
// a page at a time.

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { when } from "../../shared/format";
import { Empty, ErrorNote, Icon, Loading } from "../common/ui";
import { adminApi, AuditEntry, AuditQuery } from "./api";

const pageSize = 50;

/** The audit tab. */
export function AuditTab() {
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [session, setSession] = useState("");
  const [query, setQuery] = useState<AuditQuery>({ limit: pageSize });
  // The before of each page shown so far, to go back to newer pages.
  const [trail, setTrail] = useState<number[]>([]);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<number | undefined>();
  const [err, setErr] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setEntries(null);
    adminApi.audit(query).then(
      (r) => {
        if (!live) return;
        setEntries(r.entries);
        setNext(r.next);
        setErr(null);
      },
      (e) => {
        if (!live) return;
        setErr(errorMessage(e));
        setEntries([]);
      },
    );
    return () => {
      live = false;
    };
  }, [query]);

  const filter = (e: Event) => {
    e.preventDefault();
    setTrail([]);
    setQuery({ actor, action, session, limit: pageSize });
  };
  return (
    <section aria-label="Audit log">
      <form class="admin-actions" role="search" aria-label="Filter the audit log" onSubmit={filter}>
        <input class="filter" type="search" placeholder="Actor (agent:ID)" aria-label="Actor" data-testid="audit-actor" value={actor} onInput={(e) => setActor(e.currentTarget.value)} />
        <input class="filter" type="search" placeholder="Action (join)" aria-label="Action" data-testid="audit-action" value={action} onInput={(e) => setAction(e.currentTarget.value)} />
        <input class="filter" type="search" placeholder="Session or user:ID" aria-label="Session" data-testid="audit-session" value={session} onInput={(e) => setSession(e.currentTarget.value)} />
        <button class="btn" type="submit" data-testid="audit-filter">
          <Icon name="search" /> Filter
        </button>
      </form>
      <ErrorNote message={err} testid="audit-error" />
      {entries === null ? (
        <Loading>Loading the audit log…</Loading>
      ) : entries.length === 0 ? (
        !err && <Empty title="No entries match" icon="search" />
      ) : (
        <table class="grants" data-testid="audit">
          <caption class="sr-only">Audit log, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Session</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-testid="audit-row">
                <td>{when(e.at)}</td>
                <td>{e.actor}</td>
                <td data-testid="audit-row-action">{e.action}</td>
                <td>{e.sessionId}</td>
                <td>{e.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(trail.length > 0 || next) && (
        <nav class="pager" aria-label="Pages of the audit log">
          <button
            class="btn"
            disabled={trail.length === 0}
            data-testid="audit-prev"
            onClick={() => {
              const t = trail.slice(0, -1);
              setTrail(t);
              setQuery({ ...query, before: t[t.length - 1] });
            }}
          >
            <Icon name="back" /> Newer
          </button>
          <button
            class="btn"
            disabled={!next}
            data-testid="audit-next"
            onClick={() => {
              if (!next) return;
              setTrail([...trail, next]);
              setQuery({ ...query, before: next });
            }}
          >
            Older <Icon name="forward" />
          </button>
        </nav>
      )}
    </section>
  );
}
