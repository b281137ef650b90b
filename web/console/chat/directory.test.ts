import { test } from "node:test";
import assert from "node:assert/strict";
import type { Bot } from "../bots/api";
import { accountOptions, DirectoryUser, typedAccount, typedAccounts } from "./directory";

const u = (id: string, name: string, email: string): DirectoryUser => ({ account: `user:${id}`, name, email, handle: email.split("@")[0] });
const b = (id: string, name: string, description?: string, recommended = false) => ({ id, name, description, recommended, scopes: [] }) as unknown as Bot;

const users = [u("1", "Ada Lovelace", "ada@example.com"), u("2", "", "anon@example.com"), u("me", "Me", "me@example.com")];
const bots = [b("t", "triage", "Sorts tickets", true), b("k", "Kudos"), b("d", "deploy", "Ships builds")];

test("accountOptions: users first, then the bots matching the query by name or description", () => {
  const opts = accountOptions(users, bots, "TICK");
  assert.deepEqual(
    opts.map((o) => o.account),
    ["user:1", "user:2", "user:me", "bot:t"],
  );
  assert.deepEqual(opts[3], { account: "bot:t", kind: "bot", name: "triage", detail: "Sorts tickets", recommended: true });
  assert.deepEqual(opts[0], { account: "user:1", kind: "user", name: "Ada Lovelace", detail: "ada@example.com" });
  assert.equal(opts[1].name, "anon@example.com", "a user without a name shows by email");
});

test("accountOptions: an empty query lists every bot; excluded and repeated accounts are left out", () => {
  const opts = accountOptions([...users, users[0]], [...bots, bots[1]], "  ", ["user:me", "bot:d"]);
  assert.deepEqual(
    opts.map((o) => o.account),
    ["user:1", "user:2", "bot:t", "bot:k"],
  );
});

test("accountOptions: no bots, no users, nothing", () => {
  assert.deepEqual(accountOptions([], [], "x"), []);
  assert.deepEqual(accountOptions([], bots, "nothing like it"), []);
});

test("typedAccount: user:ID and bot:ID typed by hand, nothing else", () => {
  const cases: [string, string | null][] = [
    ["user:abc", "user:abc"],
    [" bot:x_1-2 ", "bot:x_1-2"],
    ["person:1", null],
    ["user:", null],
    ["user:a b", null],
    ["ada", null],
    ["user:<x>", null],
  ];
  for (const [text, want] of cases) assert.equal(typedAccount(text), want, text);
});

test("typedAccounts: several accounts separated by commas, spaces or lines, each once; null if any part is not one", () => {
  assert.deepEqual(typedAccounts(" user:a, bot:b\nuser:a ;user:c "), ["user:a", "bot:b", "user:c"]);
  assert.equal(typedAccounts("user:a, ada"), null);
  assert.equal(typedAccounts("   "), null);
});
