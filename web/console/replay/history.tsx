// History: finished assists, newest first, each opening its replay.

import { useEffect, useState } from "preact/hooks";
import { api, Assist, errorMessage } from "../../shared/api";
import { clock, parseTime, shortURL, when } from "../../shared/format";
import { deletedNote } from "../common/retention";
import { Link } from "../app/router";
import { paths } from "../app/routes";
import { browserLabel } from "../common/ua";
import { Avatar, Empty, ErrorNote, Loading } from "../common/ui";
import { VerifiedBadge } from "../common/verified";
import { noReplayReason } from "./availability";

/** The history screen. */
export function HistoryScreen() {
  const [list, setList] = useState<Assist[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [query, setQuery] = useState("");

  useEffect(() => {
    api
      .assists("ended")
      .then((r) => setList(r.assists ?? []))
      .catch((e) => {
        setErr(errorMessage(e));
        setList([]);
      });
  }, []);

  const q = query.trim().toLowerCase();
  const shown = (list ?? []).filter(
    (a) => !q || [a.personId, a.pageUrl, a.siteName, a.agentName, a.endReason].some((v) => v?.toLowerCase().includes(q)),
  );

  return (
    <div class="screen">
      <header class="screen-head">
        <div>
          <h1>History</h1>
          <div class="sub">Finished assists. Open one to watch its replay.</div>
        </div>
        <div class="head-actions">
          <input
            class="filter wide"
            type="search"
            placeholder="Search person, page, site…"
            value={query}
            aria-label="Search history"
            onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
      </header>
      <div class="screen-body">
        <ErrorNote message={err} />
        {list === null ? (
          <Loading />
        ) : list.length === 0 ? (
          !err && (
            <Empty title="No finished assists yet" icon="history">
              When an assist ends, its recording is kept here for replay.
            </Empty>
          )
        ) : shown.length === 0 ? (
          <Empty title="Nothing matches" icon="search">
            Try another search.
          </Empty>
        ) : (
          <div class="table">
            <div class="table-head history-grid">
              <span>Person</span>
              <span>Page</span>
              <span>Ended</span>
              <span>Length</span>
              <span>Reason</span>
            </div>
            {shown.map((a) => {
              const start = parseTime(a.startedAt || a.createdAt);
              const end = parseTime(a.endedAt);
              const noReplay = noReplayReason(a);
              return (
                <Link key={a.id} href={paths.replay(a.id)} class="table-row history-grid" data-testid="history-item" data-assist-id={a.id}>
                  <span class="cell-person">
                    <Avatar name={a.personId || "?"} size={22} />
                    <span>
                      <span class="qi-person">{a.personId || "Anonymous"}</span> <VerifiedBadge v={a.verified} />
                      <span class="muted small block">
                        {[a.verified?.email, a.siteName, a.agentName && `with ${a.agentName}`].filter(Boolean).join(" · ")}
                      </span>
                    </span>
                  </span>
                  <span class="cell-url" title={a.pageUrl}>
                    {shortURL(a.pageUrl) || "—"}
                    <span class="muted small block">{browserLabel(a.userAgent)}</span>
                  </span>
                  <span>{when(a.endedAt) || "—"}</span>
                  <span>{!noReplay && !isNaN(start) && !isNaN(end) ? clock(end - start) : "—"}</span>
                  <span class="muted">
                    {a.endReason || "—"}
                    {a.recordingDeletedAt && <span class="small block">{deletedNote(a)}</span>}
                    {noReplay && (
                      <span class="small block" data-testid="no-replay" title={noReplay}>
                        No replay: {noReplay}
                      </span>
                    )}
                  </span>
                </Link>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
