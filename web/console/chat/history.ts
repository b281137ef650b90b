// The messages a conversation view holds: pages of history loaded as the
// user scrolls up, and messages arriving live, kept once each in sequence
// order however they overlap.

import type { Message } from "./api";

/** Returns the messages of a and b, one per id (b's version wins), in sequence order. */
export function mergeMessages(a: readonly Message[], b: readonly Message[]): Message[] {
  const byId = new Map<string, Message>();
  for (const m of a) byId.set(m.id, m);
  for (const m of b) byId.set(m.id, m);
  return [...byId.values()].sort((x, y) => x.seq - y.seq);
}

/** Returns the messages with the one of the same id replaced (a bot replaced its message); unchanged when it is not there. */
export function replaceMessage(list: readonly Message[], m: Message): Message[] {
  return list.some((x) => x.id === m.id) ? list.map((x) => (x.id === m.id ? m : x)) : list.slice();
}

/** The sequence number of the newest message, 0 for none. */
export function newestSeq(list: readonly Message[]): number {
  return list.length ? list[list.length - 1].seq : 0;
}

/** Returns a new id for a message being posted, so that a retried post is stored once. */
export function clientId(): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Whether two messages in a row are grouped under one author line: same author, within five minutes. */
export function continues(prev: Message | undefined, m: Message): boolean {
  if (!prev || !prev.author || !m.author || prev.author.account !== m.author.account) return false;
  const a = Date.parse(prev.createdAt ?? "");
  const b = Date.parse(m.createdAt ?? "");
  return !isNaN(a) && !isNaN(b) && b - a < 5 * 60 * 1000;
}
