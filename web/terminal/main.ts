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
import { CloseEnded, CloseForbidden } from "../shared/protocol";
import { ReconnectingSocket, SocketLike } from "../shared/socket";
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
// channels do (shared/socket.ts), until the session is served again or has
// ended.
function live(info: TerminalInfo) {
  const term = newTerminal(info.cols || 80, info.rows || 24, info.readOnly);
  let seen = false; // whether this socket has shown the screen (after the host's approval)
  const link = new ReconnectingSocket({
    url: () => wsURL(`/terminals/${encodeURIComponent(info.id)}/ws`),
    // Only an ended session and a refusal stop the page: after anything else
    // (a bad token included) the check before redialling says whether the
    // session is still there.
    finalCodes: new Set([CloseEnded, CloseForbidden]),
    socket: (url) => {
      seen = false;
      setStatus(info.approve ? "waiting for the host" : "connecting");
      const sock = new WebSocket(url);
      sock.binaryType = "arraybuffer";
      return sock as unknown as SocketLike;
    },
    onOpen: () => {
      term.options.disableStdin = info.readOnly;
      if (!info.approve) setStatus(info.readOnly ? "watching" : "live", "live");
    },
    onMessage: (data) => {
      if (typeof data === "string") {
        let m: { type?: unknown; cols?: unknown; rows?: unknown };
        try {
          m = JSON.parse(data);
        } catch {
          return;
        }
        if (m.type === "size" && typeof m.cols === "number" && typeof m.rows === "number") term.resize(m.cols, m.rows);
        return;
      }
      if (!(data instanceof ArrayBuffer)) return;
      if (!seen && info.approve) {
        // The first frame after approval is the screen; before it, the wait message.
        const text = new TextDecoder().decode(data);
        if (!text.startsWith("tandem: waiting")) {
          seen = true;
          setStatus(info.readOnly ? "watching" : "live", "live");
        }
      }
      term.write(new Uint8Array(data));
    },
    onState: (state, code, reason) => {
      if (state === "open" || state === "connecting") return;
      term.options.disableStdin = true;
      if (state === "resuming") setStatus(reason ? `${reason}; reconnecting` : "disconnected; reconnecting", "error");
      else if (code === CloseEnded) stop(reason || "the session has ended", "ended");
      else if (code === CloseForbidden) stop(reason || "not let in", "error");
    },
    // Reconnect unless the session ended meanwhile; if the server cannot
    // say, try again after the next delay.
    beforeRedial: async () => {
      const t = await fetchInfo(info.id);
      showInfo(t);
      if (!t.live) stop(`ended: ${t.endReason ?? ""}`, "ended");
      return t.live;
    },
  });
  const stop = (status: string, kind: "ended" | "error") => {
    clearInterval(refresh);
    setStatus(status, kind);
  };
  term.onData((data) => {
    if (!info.readOnly) link.send(JSON.stringify({ type: "input", data }));
  });
  term.focus();
  const refresh = setInterval(() => {
    fetchInfo(info.id).then(showInfo, () => {});
  }, 5000);
  link.start();
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
