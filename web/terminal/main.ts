// Tandem web terminal: an agent in the console joins a live terminal
// session (/terminal/{id}) with the rights of an SSH helper, or replays an
// ended session's recording (/terminal/{id}?replay=1) as it streams in
// (replay.ts).
//
// Live: the server sends binary frames of terminal output (starting with the
// screen as it is now) and text frames {"type":"size","cols","rows"} when
// the host's window changes; the page sends {"type":"input","data"} and
// {"type":"resize","cols","rows"} as JSON text frames.

import "@xterm/xterm/css/xterm.css";
import "./style.css";
import { api, errorMessage, wsURL } from "../shared/api";
import { Backoff } from "../shared/backoff";
import { CloseEnded, CloseForbidden } from "../shared/protocol";
import { replay } from "./replay";
import { el, newTerminal, setStatus } from "./ui";

interface Helper {
  name: string;
  fingerprint?: string;
  via: string;
  readOnly: boolean;
  joinedAt: string;
}

interface TerminalInfo {
  id: string;
  hostName: string;
  command: string;
  readOnly: boolean;
  approve: boolean;
  live: boolean;
  cols?: number;
  rows?: number;
  joinCommand?: string;
  createdAt: string;
  endedAt?: string;
  endReason?: string;
  helpers: Helper[];
}

function showInfo(t: TerminalInfo) {
  el("tt-host").textContent = t.hostName ? `${t.hostName} — ${t.command}` : t.command;
  el("tt-id").textContent = t.id;
  const badges = el("tt-badges");
  badges.replaceChildren();
  const badge = (text: string, cls = "") => {
    const b = document.createElement("span");
    b.className = "tt-badge " + cls;
    b.textContent = text;
    badges.append(b);
  };
  if (t.readOnly) badge("read-only", "ro");
  if (t.approve) badge("host approves joiners");
  const names = t.helpers.map((h) => `${h.name} (${h.via}${h.readOnly ? ", watching" : ""})`);
  el("tt-helpers").textContent = names.length ? `Helpers: ${names.join(", ")}` : "No helpers yet";
  document.title = `${t.hostName || t.id} · Terminal · Tandem`;
}

async function fetchInfo(id: string): Promise<TerminalInfo> {
  return (await api.terminal(id)).terminal as TerminalInfo;
}

// live joins the session and keeps it joined: when the server that serves
// it stops (a node drained or died, the session goes on elsewhere), the
// page reconnects through the balancer with backoff, as the console's
// channels do, until the session is served again or has ended.
function live(info: TerminalInfo) {
  const term = newTerminal(info.cols || 80, info.rows || 24, info.readOnly);
  const backoff = new Backoff({ jitter: "equal" });
  let ws: WebSocket | null = null;
  const connect = () => {
    const sock = new WebSocket(wsURL(`/terminals/${encodeURIComponent(info.id)}/ws`));
    ws = sock;
    sock.binaryType = "arraybuffer";
    setStatus(info.approve ? "waiting for the host" : "connecting");
    sock.onopen = () => {
      backoff.reset();
      term.options.disableStdin = info.readOnly;
      if (!info.approve) setStatus(info.readOnly ? "watching" : "live", "live");
    };
    let seen = false;
    sock.onmessage = (ev) => {
      if (typeof ev.data === "string") {
        const m = JSON.parse(ev.data);
        if (m.type === "size") term.resize(m.cols, m.rows);
        return;
      }
      if (!seen && info.approve) {
        // The first frame after approval is the screen; before it, the wait message.
        const text = new TextDecoder().decode(ev.data);
        if (!text.startsWith("tandem: waiting")) {
          seen = true;
          setStatus(info.readOnly ? "watching" : "live", "live");
        }
      }
      term.write(new Uint8Array(ev.data));
    };
    sock.onclose = (ev) => {
      term.options.disableStdin = true;
      if (ev.code === CloseEnded) return stop(ev.reason || "the session has ended", "ended");
      if (ev.code === CloseForbidden) return stop(ev.reason || "not let in", "error");
      setStatus(ev.reason ? `${ev.reason}; reconnecting` : "disconnected; reconnecting", "error");
      setTimeout(again, backoff.next());
    };
  };
  // again reconnects unless the session ended meanwhile.
  const again = () => {
    fetchInfo(info.id).then(
      (t) => {
        showInfo(t);
        if (t.live) connect();
        else stop(`ended: ${t.endReason ?? ""}`, "ended");
      },
      () => setTimeout(again, backoff.next()),
    );
  };
  const stop = (status: string, kind: "ended" | "error") => {
    clearInterval(refresh);
    setStatus(status, kind);
  };
  term.onData((data) => {
    if (ws && ws.readyState === WebSocket.OPEN && !info.readOnly) ws.send(JSON.stringify({ type: "input", data }));
  });
  term.focus();
  const refresh = setInterval(() => {
    fetchInfo(info.id).then(showInfo, () => {});
  }, 5000);
  connect();
}

/**
 * The page of a share link to a terminal session (/s/TOKEN): the replay,
 * read-only, from the recording the token authorizes, without the way
 * back to the console.
 */
async function shared() {
  el("tt-host").textContent = "Shared terminal replay";
  document.querySelector(".tt-back")?.remove();
  await replay(`${location.pathname.replace(/\/+$/, "")}/recording`, "this link is not valid");
}

async function main() {
  if (location.pathname.startsWith("/s/")) return shared();
  const parts = location.pathname.split("/").filter(Boolean);
  const id = parts[parts.length - 1] ?? "";
  const wantReplay = new URLSearchParams(location.search).get("replay") === "1";
  let info: TerminalInfo;
  try {
    info = await fetchInfo(id);
  } catch (e) {
    setStatus(errorMessage(e), "error");
    return;
  }
  showInfo(info);
  if (wantReplay) {
    await replay(`/api/v1/terminals/${encodeURIComponent(info.id)}/recording`);
  } else if (info.live) {
    live(info);
  } else {
    setStatus(`ended: ${info.endReason ?? ""}`, "ended");
    const a = document.createElement("a");
    a.href = `/terminal/${encodeURIComponent(id)}?replay=1`;
    a.textContent = "Replay the recording";
    a.className = "tt-badge";
    el("tt-badges").append(a);
  }
}

main();
