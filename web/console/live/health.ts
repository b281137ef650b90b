// The channel health pill of the live view.

import type { SocketState } from "../../shared/socket";

/** The `health` frame's payload. */
export interface Health {
  personRttMs?: number;
  agentRttMs?: number;
}

/** The health pill's text and tone for a channel state and the last health frame. */
export function healthLabel(link: SocketState, health: Health | null): { text: string; tone: "ok" | "warn" | "bad" } {
  switch (link) {
    case "open": {
      const rtt = health?.personRttMs ?? health?.agentRttMs;
      if (rtt === undefined) return { text: "connected", tone: "ok" };
      return { text: `connected · ${Math.round(rtt)} ms`, tone: rtt > 400 ? "warn" : "ok" };
    }
    case "connecting":
      return { text: "connecting…", tone: "warn" };
    case "resuming":
      return { text: "resuming…", tone: "warn" };
    case "closed":
      return { text: "disconnected", tone: "bad" };
  }
}
