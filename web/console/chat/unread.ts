// The conversations list as live events change it: the last message, the
// unread count, the order. The server's counts (Unread = LastSeq −
// LastRead) are loaded first; events then move them without a refetch. A
// conversation the list does not know yet is reported, so the caller
// fetches the list again.

import type { ChatEvent, Conversation, Summary } from "./api";

/** Says whether the member is looking at a conversation now (its messages are read as they arrive). */
export type Seen = (conversationId: string) => boolean;

/** ConversationIndex holds the rows of the conversations list for one account. */
export class ConversationIndex {
  private rows = new Map<string, Summary>();
  /**
   * The highest seq each conversation is known read up to, from read marks
   * of this account. A list fetched before a read mark can answer after it;
   * its count must not bring back what was read.
   */
  private readUpTo = new Map<string, number>();

  /** me is the account of the console's user, "user:ID". */
  constructor(readonly me: string) {}

  /** Replaces every row with what the server listed. */
  load(list: readonly Summary[]): void {
    this.rows = new Map(
      list.map((s) => {
        const read = this.readUpTo.get(s.conversation.id) ?? 0;
        const unread = Math.max(0, Math.min(s.unread || 0, (s.conversation.lastSeq ?? 0) - read));
        return [s.conversation.id, { ...s, unread }];
      }),
    );
  }

  /** Returns the row of a conversation. */
  get(id: string): Summary | undefined {
    return this.rows.get(id);
  }

  /** The rows, the most recently active first. */
  list(): Summary[] {
    return [...this.rows.values()].sort((a, b) => activity(b) - activity(a) || a.conversation.id.localeCompare(b.conversation.id));
  }

  /** The unread messages of all conversations. */
  totalUnread(): number {
    let n = 0;
    for (const s of this.rows.values()) n += s.unread;
    return n;
  }

  /**
   * Applies one event of the conversations WebSocket. It returns true when
   * the event is about a conversation the list does not have (the caller
   * fetches the list again). seen says whether the user is looking at a
   * conversation: messages arriving there are not counted unread.
   */
  apply(ev: ChatEvent, seen: Seen = () => false): boolean {
    switch (ev.type) {
      case "message": {
        const row = this.rows.get(ev.conversationId);
        if (!row) return true;
        const m = ev.message;
        const c = row.conversation;
        const isNew = m.seq > (c.lastSeq ?? 0);
        if (!row.last || m.seq >= row.last.seq) row.last = m;
        if (isNew) {
          row.conversation = { ...c, lastSeq: m.seq, lastMessageAt: m.createdAt ?? c.lastMessageAt };
          if (m.author?.account === this.me) row.unread = 0;
          else if (!seen(ev.conversationId)) row.unread += 1;
        }
        return false;
      }
      case "message.replaced": {
        const row = this.rows.get(ev.conversationId);
        if (!row) return true;
        if (row.last?.id === ev.message.id) row.last = ev.message;
        return false;
      }
      case "read": {
        if (ev.account === this.me) this.readUpTo.set(ev.conversationId, Math.max(this.readUpTo.get(ev.conversationId) ?? 0, ev.seq));
        const row = this.rows.get(ev.conversationId);
        if (!row) return true;
        if (ev.account !== this.me) return false;
        row.unread = Math.max(0, Math.min(row.unread, (row.conversation.lastSeq ?? 0) - ev.seq));
        return false;
      }
      case "conversation": {
        const row = this.rows.get(ev.conversation.id);
        if (!row) return true;
        row.conversation = merge(row.conversation, ev.conversation);
        return false;
      }
      default:
        return false;
    }
  }

  /** Marks a conversation read up to seq (what the console posts to …/read). */
  markRead(id: string, seq: number): void {
    this.apply({ type: "read", conversationId: id, account: this.me, seq });
  }
}

/** Newer fields of a conversation over the ones known; never moves lastSeq back. */
function merge(old: Conversation, c: Conversation): Conversation {
  const lastSeq = Math.max(old.lastSeq ?? 0, c.lastSeq ?? 0);
  return { ...old, ...c, lastSeq, lastMessageAt: lastSeq === (c.lastSeq ?? 0) ? (c.lastMessageAt ?? old.lastMessageAt) : old.lastMessageAt };
}

function activity(s: Summary): number {
  const t = Date.parse(s.conversation.lastMessageAt || s.last?.createdAt || s.conversation.updatedAt || s.conversation.createdAt || "");
  return isNaN(t) ? 0 : t;
}
