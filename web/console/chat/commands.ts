// Slash commands in the composer: "/" lists the commands of the
// conversation's bots, typing narrows the list, and a sent "/name text" runs
// the command instead of posting a message.

import type { CommandInfo } from "./api";

/**
 * Returns the command name being typed, or null: text that starts with one
 * "/" and has no space yet ("/" → "", "/tic" → "tic"). "//" escapes a slash.
 */
export function commandQuery(text: string): string | null {
  if (!text.startsWith("/") || text.startsWith("//")) return null;
  const name = text.slice(1);
  return /\s/.test(name) ? null : name;
}

/** Returns the commands whose name starts with query, then those whose name or description contains it; each group by name. */
export function filterCommands(commands: readonly CommandInfo[], query: string): CommandInfo[] {
  const q = query.toLowerCase();
  const byName = (a: CommandInfo, b: CommandInfo) => a.name.localeCompare(b.name) || a.botName.localeCompare(b.botName);
  const starts = commands.filter((c) => c.name.toLowerCase().startsWith(q));
  const contains = commands.filter(
    (c) => !starts.includes(c) && (c.name.toLowerCase().includes(q) || (c.description ?? "").toLowerCase().includes(q)),
  );
  return [...starts.sort(byName), ...contains.sort(byName)];
}

/** What sending the composer's text does. */
export type Outgoing =
  | { kind: "message"; text: string }
  | { kind: "command"; command: CommandInfo; text: string }
  | { kind: "unknown"; name: string };

/**
 * Decides what the composer's text is: a command to run ("/name rest"), a
 * message (anything else; "//x" posts "/x"), or an unknown command, which
 * is not sent as a message by mistake.
 */
export function outgoing(text: string, commands: readonly CommandInfo[]): Outgoing {
  if (text.startsWith("//")) return { kind: "message", text: text.slice(1) };
  const m = /^\/([^\s/]+)(?:\s+([\s\S]*))?$/.exec(text);
  if (!m) return { kind: "message", text };
  const cmd = commands.find((c) => c.name.toLowerCase() === m[1].toLowerCase());
  if (!cmd) return { kind: "unknown", name: m[1] };
  return { kind: "command", command: cmd, text: (m[2] ?? "").trim() };
}

/** The composer's text once a command is picked from the list: "/name " ready for its parameters. */
export function commandText(c: CommandInfo): string {
  return `/${c.name} `;
}
