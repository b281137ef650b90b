// Who is watching the person's page, from the server's "watchers" frame
// (docs/protocol.md): the names of the agents whose channels are open, and
// the agents asking to join on a site that asks the person for each one.

/** An agent waiting for the person to let them in. */
export interface JoinAsk {
  id: string;
  name: string;
  text: string;
}

/** The watchers frame's payload. */
export interface Watchers {
  agents: string[];
  asking: JoinAsk[];
}

/** Reads a watchers frame's payload; anything malformed counts as no one. */
export function parseWatchers(p: unknown): Watchers {
  const o = (p && typeof p === "object" ? p : {}) as { agents?: unknown; asking?: unknown };
  const agents = Array.isArray(o.agents)
    ? o.agents.map((a) => String((a && (a as { name?: unknown }).name) || "")).filter((n) => n !== "")
    : [];
  const asking = Array.isArray(o.asking)
    ? o.asking
        .filter((a) => a && typeof a === "object" && (a as JoinAsk).id)
        .map((a) => ({ id: String((a as JoinAsk).id), name: String((a as JoinAsk).name || ""), text: String((a as JoinAsk).text || "") }))
    : [];
  return { agents, asking };
}

/** What the badge says: who is viewing the page ("Support" before anyone is named). */
export function watchersText(names: string[]): string {
  if (names.length === 0) return "Support is viewing this page";
  if (names.length === 1) return names[0] + " is viewing this page";
  return names.slice(0, -1).join(", ") + " and " + names[names.length - 1] + " are viewing this page";
}
