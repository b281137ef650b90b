import { test } from "node:test";
import assert from "node:assert/strict";
import type { Conversation, Message, Summary } from "./api";
import { ConversationIndex } from "./unread";

const conv = (id: string, lastSeq: number, at: string): Conversation => ({ id, kind: "group", name: id, lastSeq, lastMessageAt: at });
const msg = (conversationId: string, seq: number, author: string, at = `2026-01-01T00:00:${String(seq).padStart(2, "0")}Z`): Message => ({
  id: `${conversationId}-${seq}`,
  conversationId,
  seq,
  author: { account: author },
  text: `m${seq}`,
  createdAt: at,
});
const rows = (): Summary[] => [
  { conversation: conv("a", 3, "2026-01-01T00:00:03Z"), unread: 1, last: msg("a", 3, "user:x") },
  { conversation: conv("b", 5, "2026-01-01T00:00:05Z"), unread: 0, last: msg("b", 5, "user:me") },
];

test("messages from others count unread, mine and repeats do not, the list reorders", () => {
  const ix = new ConversationIndex("user:me");
  ix.load(rows());
  assert.deepEqual(ix.list().map((s) => s.conversation.id), ["b", "a"]);
  assert.equal(ix.totalUnread(), 1);
  assert.equal(ix.apply({ type: "message", conversationId: "a", message: msg("a", 4, "bot:t", "2026-01-01T00:01:00Z") }), false);
  assert.equal(ix.get("a")!.unread, 2);
  assert.equal(ix.get("a")!.last!.seq, 4);
  assert.deepEqual(ix.list().map((s) => s.conversation.id), ["a", "b"], "the newest activity first");
  ix.apply({ type: "message", conversationId: "a", message: msg("a", 4, "bot:t", "2026-01-01T00:01:00Z") });
  assert.equal(ix.get("a")!.unread, 2, "the same message twice counts once");
  ix.apply({ type: "message", conversationId: "a", message: msg("a", 5, "user:me") });
  assert.equal(ix.get("a")!.unread, 0, "writing in a conversation reads it");
  assert.equal(ix.totalUnread(), 0);
});

test("messages in the conversation being looked at are not unread", () => {
  const ix = new ConversationIndex("user:me");
  ix.load(rows());
  ix.apply({ type: "message", conversationId: "b", message: msg("b", 6, "user:x") }, (id) => id === "b");
  assert.equal(ix.get("b")!.unread, 0);
  ix.apply({ type: "message", conversationId: "b", message: msg("b", 7, "user:x") }, () => false);
  assert.equal(ix.get("b")!.unread, 1);
});

test("read events of mine set unread from the last seq; others' do not touch it", () => {
  const ix = new ConversationIndex("user:me");
  ix.load([{ conversation: conv("a", 10, "2026-01-01T00:00:10Z"), unread: 6, last: null }]);
  ix.apply({ type: "read", conversationId: "a", account: "user:x", seq: 10 });
  assert.equal(ix.get("a")!.unread, 6);
  ix.apply({ type: "read", conversationId: "a", account: "user:me", seq: 8 });
  assert.equal(ix.get("a")!.unread, 2);
  ix.markRead("a", 4);
  assert.equal(ix.get("a")!.unread, 2, "an older read mark (another tab) does not raise it");
  ix.markRead("a", 12);
  assert.equal(ix.get("a")!.unread, 0, "never below zero");
});

test("conversation events update the row; events of unknown conversations ask for a refetch", () => {
  const ix = new ConversationIndex("user:me");
  ix.load(rows());
  assert.equal(ix.apply({ type: "conversation", conversation: { id: "a", kind: "group", name: "renamed", lastSeq: 1 } }), false);
  assert.equal(ix.get("a")!.conversation.name, "renamed");
  assert.equal(ix.get("a")!.conversation.lastSeq, 3, "lastSeq never moves back");
  assert.equal(ix.get("a")!.unread, 1, "the count stays");
  assert.equal(ix.apply({ type: "conversation", conversation: { id: "new", kind: "group" } }), true);
  assert.equal(ix.apply({ type: "message", conversationId: "new", message: msg("new", 1, "user:x") }), true);
  assert.equal(ix.apply({ type: "read", conversationId: "new", account: "user:me", seq: 1 }), true);
  assert.equal(ix.apply({ type: "typing", conversationId: "a", account: "user:x" }), false);
  const replaced = { ...msg("a", 3, "user:x"), text: "edited" };
  ix.apply({ type: "message.replaced", conversationId: "a", message: replaced });
  assert.equal(ix.get("a")!.last!.text, "edited");
});

test("a list fetched before a read mark and answering after it does not bring the count back", () => {
  const ix = new ConversationIndex("user:me");
  const before = [{ conversation: conv("a", 4, "2026-01-01T00:00:04Z"), unread: 1, last: msg("a", 4, "user:x") }];
  ix.load(before);
  ix.markRead("a", 4);
  assert.equal(ix.get("a")!.unread, 0);
  ix.load(before);
  assert.equal(ix.get("a")!.unread, 0, "the stale list's count is capped by the read mark");
  ix.load([{ conversation: conv("a", 6, "2026-01-01T00:00:06Z"), unread: 2, last: msg("a", 6, "user:x") }]);
  assert.equal(ix.get("a")!.unread, 2, "messages after the read mark still count");
});
