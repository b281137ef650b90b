// Terminals: shared machine terminals, with links to join or replay them in
// the web terminal.

import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, errorMessage, Terminal } from "../../shared/api";
import { ago, parseTime, when } from "../../shared/format";
import { paths } from "../app/routes";
import { ShareButton } from "../share/dialog";
import { Empty, ErrorNote, Icon, Loading, Pill, useNow } from "../common/ui";
import { VideoPanel } from "../video/panel";

function helperCount(h: Terminal["helpers"]): number {
  if (typeof h === "number") return h;
  return Array.isArray(h) ? h.length : 0;
}

/** The terminals screen. */
export function TerminalsScreen() {
  const [list, setList] = useState<Terminal[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const now = useNow(5000);
  // The ended session whose video exports are shown, if any.
  const [videos, setVideos] = useState<string | null>(null);

  const load = () =>
    api
      .terminals()
      .then((r) => {
        setList(r.terminals ?? []);
        setErr(null);
      })
      .catch((e) => {
        if (e instanceof ApiError && e.status === 404) setUnavailable(true);
        else setErr(errorMessage(e));
        setList((l) => l ?? []);
      });

  useEffect(() => {
    load();
    const t = setInterval(load, 10000);
    return () => clearInterval(t);
  }, []);

  return (
    <div class="screen">
      <header class="screen-head">
        <div>
          <h1>Terminals</h1>
          <div class="sub">Machines sharing their terminal with “tandem share”.</div>
        </div>
      </header>
      <div class="screen-body">
        <ErrorNote message={err} />
        {list === null ? (
          <Loading />
        ) : unavailable ? (
          <Empty title="Terminal sharing is not available" icon="terminal">
            This server does not offer terminal sessions.
          </Empty>
        ) : list.length === 0 ? (
          <Empty title="No terminal sessions" icon="terminal">
            On the machine that needs help, run <code>tandem share --server HOST:PORT</code>. It prints a session id; the
            session shows up here and helpers join with <code>ssh</code> or in the browser.
          </Empty>
        ) : (
          // One table: the headers share the rows' columns, whatever the widths.
          <table class="terminal-table" data-testid="terminal-table">
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Command</th>
                <th scope="col">Started</th>
                <th scope="col">Helpers</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((t) => {
                const live = !t.endedAt;
                const started = parseTime(t.createdAt);
                return (
                  <Fragment key={t.id}>
                    <tr data-testid="terminal-item" data-terminal-id={t.id}>
                      <td>
                        <span class="qi-person">{t.hostName || t.id}</span>
                        <span class="muted small block mono">{t.id}</span>
                      </td>
                      <td class="mono">{t.command || "—"}</td>
                      <td title={when(t.createdAt)}>{isNaN(started) ? "—" : ago(now - started)}</td>
                      <td>{helperCount(t.helpers)}</td>
                      <td>
                        <span class="row-actions">
                          {live ? <Pill tone="ok">live</Pill> : <Pill tone="neutral">ended</Pill>}
                          {live && (
                            <a class="btn" href={paths.terminal(t.id)} data-testid="terminal-open">
                              <Icon name="terminal" /> Open
                            </a>
                          )}
                          {!live && <ShareButton kind="terminal" id={t.id} />}
                          <a class="btn btn-ghost" href={paths.terminalReplay(t.id)} data-testid="terminal-replay">
                            <Icon name="replay" /> Replay
                          </a>
                          {!live && (
                            <button class="btn btn-ghost" onClick={() => setVideos(videos === t.id ? null : t.id)} data-testid="terminal-video">
                              <Icon name="video" /> Video
                            </button>
                          )}
                        </span>
                      </td>
                    </tr>
                    {videos === t.id && (
                      <tr class="terminal-videos">
                        <td colSpan={5}>
                          <VideoPanel kind="terminal" id={t.id} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
