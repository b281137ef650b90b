// @-mentions: the name a member is mentioned by, the "@que" being typed at
// the caret, the members that complete it, and the text once one is picked.
// The server finds the mentions in what is posted (DESIGN: "Mentions"); the
// console only helps type them and shows them.

import type { Member } from "./api";

/** The most completions offered at once. */
export const maxCompletions = 8;

/**
 * Returns the name a member is @-mentioned by: the server's handle when it
 * gives one; a bot's name; otherwise the display name lower-cased without
 * what a mention cannot hold (the server uses a user's email before the @).
 */
export function handleOf(m: Pick<Member, "kind" | "name" | "handle">): string {
  if (m.handle) return m.handle;
  if (m.kind === "bot") return m.name;
  return m.name.toLowerCase().replace(/[^a-z0-9._-]+/g, "");
}

/** The "@query" being typed: where its @ is and what follows it up to the caret. */
export interface MentionQuery {
  start: number;
  query: string;
}

const nameChar = /[A-Za-z0-9._-]/;

/**
 * Returns the mention being typed at caret in text, or null: an @ at the
 * start or after a space or punctuation (not inside an email address),
 * followed by name characters up to the caret.
 */
export function mentionAt(text: string, caret: number): MentionQuery | null {
  let i = Math.min(caret, text.length);
  while (i > 0 && nameChar.test(text[i - 1])) i--;
  if (i === 0 || text[i - 1] !== "@") return null;
  const at = i - 1;
  if (at > 0 && /[A-Za-z0-9._-]/.test(text[at - 1])) return null;
  return { start: at, query: text.slice(i, caret) };
}

/**
 * Returns the members that complete query, best first: handles that start
 * with it, then names or handles that contain it; people (who have no name
 * to mention) and the excluded account (the writer) are left out.
 */
export function completeMentions(members: readonly Member[], query: string, exclude?: string): Member[] {
  const q = query.toLowerCase();
  const candidates = members.filter((m) => m.kind !== "person" && m.account !== exclude && handleOf(m) !== "");
  const starts = candidates.filter((m) => handleOf(m).toLowerCase().startsWith(q));
  const contains = candidates.filter(
    (m) => !starts.includes(m) && (handleOf(m).toLowerCase().includes(q) || m.name.toLowerCase().includes(q)),
  );
  const byHandle = (a: Member, b: Member) => handleOf(a).localeCompare(handleOf(b));
  return [...starts.sort(byHandle), ...contains.sort(byHandle)].slice(0, maxCompletions);
}

/** Replaces the mention being typed (from its @ to the caret) with "@handle ", returning the text and the new caret. */
export function applyMention(text: string, q: MentionQuery, caret: number, handle: string): { text: string; caret: number } {
  const insert = `@${handle} `;
  const rest = text.slice(caret).replace(/^[A-Za-z0-9._-]*/, "").replace(/^ /, "");
  return { text: text.slice(0, q.start) + insert + rest, caret: q.start + insert.length };
}
