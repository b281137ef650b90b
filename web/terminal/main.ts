// Tandem web terminal: an agent in the console joins a live terminal
// session (/terminal/{id}) with the rights of an SSH helper, or replays an
// ended session's recording (/terminal/{id}?replay=1).
//
// Live: the server sends binary frames of terminal output (starting with the
// screen as it is now) and text frames {"type":"size","cols","rows"} when
// the host's window changes; the page sends {"type":"input","data"} and
// {"type":"resize","cols","rows"} as JSON text frames.

import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import "./style.css";
import { api, errorMessage, wsURL } from "../console/api";
import { clock } from "../console/format";
import { CloseEnded, CloseForbidden } from "../shared/protocol";

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

const el = (id: string) => document.getElementById(id) as HTMLElement;

function setStatus(text: string, kind: "live" | "ended" | "error" | "" = "") {
  const s = el("tt-status");
  s.textContent = text;
  s.className = "tt-status" + (kind ? " " + kind : "");
}

function newTerminal(cols: number, rows: number, readOnly: boolean): Terminal {
  const term = new Terminal({
    cols,
    rows,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    fontSize: 14,
    cursorBlink: !readOnly,
    disableStdin: readOnly,
    scrollback: 2000,
    theme: { background: "#14151a", foreground: "#e6e8ee", cursor: "#e6e8ee" },
  });
  term.open(el("terminal"));
  return term;
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

function live(info: TerminalInfo) {
  const term = newTerminal(info.cols || 80, info.rows || 24, info.readOnly);
  const ws = new WebSocket(wsURL(`/terminals/${encodeURIComponent(info.id)}/ws`));
  ws.binaryType = "arraybuffer";
  setStatus(info.approve ? "waiting for the host" : "connecting");
  ws.onopen = () => {
    if (!info.approve) setStatus(info.readOnly ? "watching" : "live", "live");
  };
  let seen = false;
  ws.onmessage = (ev) => {
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
  ws.onclose = (ev) => {
    clearInterval(refresh);
    if (ev.code === CloseEnded) setStatus(ev.reason || "the session has ended", "ended");
    else if (ev.code === CloseForbidden) setStatus(ev.reason || "not let in", "error");
    else setStatus("disconnected", "error");
    term.options.disableStdin = true;
  };
  term.onData((data) => {
    if (ws.readyState === WebSocket.OPEN && !info.readOnly) ws.send(JSON.stringify({ type: "input", data }));
  });
  term.focus();
  const refresh = setInterval(() => {
    fetchInfo(info.id).then(showInfo, () => {});
  }, 5000);
}

interface Cast {
  width: number;
  height: number;
  events: [number, string, string][];
}

function parseCast(text: string): Cast {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const header = JSON.parse(lines[0]);
  const events: [number, string, string][] = [];
  for (const l of lines.slice(1)) {
    try {
      const e = JSON.parse(l);
      if (Array.isArray(e) && typeof e[0] === "number") events.push(e as [number, string, string]);
    } catch {
      // a torn last line of a recording still being written
    }
  }
  return { width: header.width, height: header.height, events };
}

async function replay(info: TerminalInfo) {
  setStatus("loading recording");
  const r = await fetch(`/api/v1/terminals/${encodeURIComponent(info.id)}/recording`, { credentials: "same-origin" });
  if (!r.ok) {
    setStatus("no recording", "error");
    return;
  }
  const cast = parseCast(await r.text());
  const term = newTerminal(cast.width || 80, cast.height || 24, true);
  const controls = el("tt-controls");
  controls.hidden = false;
  const play = el("tt-play") as HTMLButtonElement;
  const speedSel = el("tt-speed") as HTMLSelectElement;
  const progress = el("tt-progress") as HTMLInputElement;
  const time = el("tt-time");
  const total = cast.events.length ? cast.events[cast.events.length - 1][0] : 0;

  let i = 0; // next event
  let at = 0; // recording time reached, seconds
  let playing = true;
  let timer: number | undefined;
  let last = performance.now();

  const show = () => {
    progress.value = String(total ? Math.round((at / total) * 1000) : 1000);
    time.textContent = `${clock(at * 1000)} / ${clock(total * 1000)}`;
  };
  const step = () => {
    const now = performance.now();
    at += ((now - last) / 1000) * Number(speedSel.value);
    last = now;
    while (i < cast.events.length && cast.events[i][0] <= at) {
      const [, kind, data] = cast.events[i++];
      if (kind === "o") term.write(data);
      else if (kind === "r") {
        const [c, rr] = data.split("x").map(Number);
        if (c > 0 && rr > 0) term.resize(c, rr);
      }
    }
    show();
    if (i >= cast.events.length) {
      playing = false;
      play.textContent = "Replay";
      setStatus("replay finished", "ended");
      return;
    }
    // Sleep until the next event (capped, so the clock keeps moving).
    const wait = Math.min(((cast.events[i][0] - at) * 1000) / Number(speedSel.value), 250);
    timer = window.setTimeout(step, Math.max(wait, 0));
  };
  play.onclick = () => {
    if (playing) {
      playing = false;
      clearTimeout(timer);
      play.textContent = "Play";
      setStatus("paused");
      return;
    }
    if (i >= cast.events.length) {
      term.reset();
      i = 0;
      at = 0;
    }
    playing = true;
    play.textContent = "Pause";
    setStatus("replay", "live");
    last = performance.now();
    step();
  };
  setStatus("replay", "live");
  last = performance.now();
  step();
}

async function main() {
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
    await replay(info);
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
