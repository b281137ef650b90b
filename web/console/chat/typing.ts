// Typing indicators: the composer tells the server at most every few
// seconds while the user types, and the view shows who else is typing until
// they send or stop for a while.

import type { Timers } from "../../shared/socket";

/** How often at most the composer posts …/typing while the user types. */
export const typingEveryMs = 3000;
/** How long someone shows as typing after their last typing event. */
export const typingShowMs = 6000;

/** TypingSender calls send when the user types, at most once every typingEveryMs. */
export class TypingSender {
  private lastAt = -Infinity;

  constructor(
    private readonly send: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user typed a key that changed the text. */
  typed(): void {
    const t = this.now();
    if (t - this.lastAt < typingEveryMs) return;
    this.lastAt = t;
    this.send();
  }

  /** The message was sent: the next key press tells the server again at once. */
  sent(): void {
    this.lastAt = -Infinity;
  }
}

/** TypingTracker keeps who else is typing in one conversation. */
export class TypingTracker {
  private who = new Map<string, { name: string; timer: unknown }>();

  constructor(
    private readonly onChange: () => void,
    private readonly timers: Timers,
  ) {}

  /** An account is typing (a typing event). */
  typing(account: string, name: string): void {
    const old = this.who.get(account);
    if (old) this.timers.clear(old.timer);
    const timer = this.timers.set(() => this.stopped(account), typingShowMs);
    this.who.set(account, { name: name || "Someone", timer });
    if (!old) this.onChange();
  }

  /** An account stopped typing: it sent a message. */
  stopped(account: string): void {
    const old = this.who.get(account);
    if (!old) return;
    this.timers.clear(old.timer);
    this.who.delete(account);
    this.onChange();
  }

  /** Forgets everyone, without calling onChange (the view goes away). */
  clear(): void {
    for (const w of this.who.values()) this.timers.clear(w.timer);
    this.who.clear();
  }

  /** The names of who is typing, in the order they started. */
  names(): string[] {
    return [...this.who.values()].map((w) => w.name);
  }
}

/** The line under the messages: "" when no one types. */
export function typingLabel(names: readonly string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}
