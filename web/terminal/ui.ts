// The parts of the web terminal page that the live view and the replay
// share: the header's status and the xterm.js terminal.

import { Terminal } from "@xterm/xterm";

export const el = (id: string) => document.getElementById(id) as HTMLElement;

export function setStatus(text: string, kind: "live" | "ended" | "error" | "" = "") {
  const s = el("tt-status");
  s.textContent = text;
  s.className = "tt-status" + (kind ? " " + kind : "");
}

export function newTerminal(cols: number, rows: number, readOnly: boolean): Terminal {
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
