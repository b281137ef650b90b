import { test } from "node:test";
import assert from "node:assert/strict";
import type { Member } from "./api";
import { applyMention, completeMentions, handleOf, maxCompletions, mentionAt } from "./mentions";

const m = (account: string, kind: Member["kind"], name: string, handle?: string): Member => ({ account, kind, name, handle });
const members: Member[] = [
  m("user:1", "user", "Ada Lovelace", "ada"),
  m("user:2", "user", "Alan Turing"),
  m("bot:t", "bot", "triage"),
  m("bot:k", "bot", "tickets"),
  m("person:c1", "person", "Visitor"),
  m("user:me", "user", "Me Myself", "me"),
];

test("handleOf: the server's handle, a bot's name, else the name squeezed to what a mention holds", () => {
  assert.equal(handleOf(members[0]), "ada");
  assert.equal(handleOf(members[1]), "alanturing");
  assert.equal(handleOf(members[2]), "triage");
  assert.equal(handleOf(m("user:x", "user", "Zoë <b>")), "zob");
});

test("mentionAt finds the @word being typed at the caret, not an email address", () => {
  const cases: [string, number, ReturnType<typeof mentionAt>][] = [
    ["@", 1, { start: 0, query: "" }],
    ["hi @tri", 7, { start: 3, query: "tri" }],
    ["hi @tri and more", 7, { start: 3, query: "tri" }],
    ["hi @triage and", 6, { start: 3, query: "tr" }],
    ["(@ad", 4, { start: 1, query: "ad" }],
    ["mail bob@example", 16, null],
    ["no mention", 10, null],
    ["@ada done", 9, null],
    ["", 0, null],
  ];
  for (const [text, caret, want] of cases) assert.deepEqual(mentionAt(text, caret), want, `${text}|${caret}`);
});

test("completeMentions: prefix matches first, then contains; no people, not the writer", () => {
  const names = (q: string) => completeMentions(members, q, "user:me").map((x) => x.account);
  assert.deepEqual(names("t"), ["bot:k", "bot:t", "user:2"], "handles starting with t by handle, then alanTuring");
  assert.deepEqual(names("a"), ["user:1", "user:2", "bot:t"], "starts, then contains (tri-a-ge)");
  assert.deepEqual(names("TURING"), ["user:2"], "case-insensitive, on the display name too");
  assert.deepEqual(names("visitor"), [], "people have no handle to mention");
  assert.deepEqual(names("me"), [], "the writer is left out");
  assert.equal(names("").length, 4);
  const many = Array.from({ length: 20 }, (_, i) => m(`bot:${i}`, "bot", `b${i}`));
  assert.equal(completeMentions(many, "b").length, maxCompletions);
});

test("applyMention replaces the query (and the rest of the word) with @handle and a space", () => {
  const text = "hello @tri how";
  const q = mentionAt(text, 10)!;
  assert.deepEqual(applyMention(text, q, 10, "triage"), { text: "hello @triage how", caret: 14 });
  const t2 = "@ad";
  assert.deepEqual(applyMention(t2, mentionAt(t2, 3)!, 3, "ada"), { text: "@ada ", caret: 5 });
  const t3 = "x @tr";
  assert.deepEqual(applyMention(t3, mentionAt(t3, 5)!, 5, "tickets"), { text: "x @tickets ", caret: 11 });
});
