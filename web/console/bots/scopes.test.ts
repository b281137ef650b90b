import { test } from "node:test";
import assert from "node:assert/strict";
import { orderScopes, scopeInfo, scopes } from "./scopes";
import { addableBots, attemptMs, hookConversation, previewErrorText } from "./api";

test("every scope of the server is described, in its order (tandem.AllScopes)", () => {
  const server = ["messages:read", "messages:write", "conversations:write", "members:write", "conversations:create", "members:read", "assist:read", "assist:invite", "assist:handover", "assist:end"];
  assert.deepEqual(scopes.map((s) => s.scope), server);
  for (const s of scopes) assert.ok(s.title && s.description, s.scope);
  assert.equal(scopeInfo("x:y").title, "x:y");
});

test("orderScopes: the console's order, unknown ones last, no repeats", () => {
  assert.deepEqual(orderScopes(["assist:end", "z:z", "messages:read", "assist:end", "a:a"]), ["messages:read", "assist:end", "a:a", "z:z"]);
});

test("preview errors, hook conversations and attempt times read from what the server may send", () => {
  assert.equal(previewErrorText("bad json"), "bad json");
  assert.equal(previewErrorText({ index: 1, type: "rename", reason: "needs conversations:write" }), "Instruction 2 (rename): needs conversations:write");
  assert.deepEqual(hookConversation({ id: "h", conversation: "c1", url: "u" }), { id: "c1", name: "c1" });
  assert.deepEqual(hookConversation({ id: "h", conversation: { id: "c1", kind: "group", name: "Ops" }, url: "u" }), { id: "c1", name: "Ops" });
  assert.equal(attemptMs({ n: 1, at: "", duration: 2_500_000 }), 3);
  assert.equal(attemptMs({ n: 1, at: "", durationMs: 7 }), 7);
  assert.equal(attemptMs({ n: 1, at: "" }), undefined);
});

test("addableBots: mine, then in my conversations, then recommended, each once, none already a member", () => {
  const b = (id: string) => ({ id, name: id, scopes: [] });
  const got = addableBots({ mine: [b("a"), b("b")], inMyConversations: [b("b"), b("c")], recommended: [b("d"), b("a")] }, [{ account: "bot:c" }, { account: "user:x" }]);
  assert.deepEqual(got.map((x) => x.id), ["a", "b", "d"]);
  assert.deepEqual(addableBots({ mine: null, inMyConversations: null, recommended: null }, []), []);
});

test("checkBotFields: the name as mentions use it, absolute http(s) URLs", async () => {
  const { checkBotFields } = await import("./form");
  const ok = { name: "triage_bot-2", url: "https://bots.example/t", scopes: [] };
  assert.equal(checkBotFields(ok), null);
  assert.equal(checkBotFields({ ...ok, interfaceUrl: "http://127.0.0.1:9/x", avatarUrl: "" }), null);
  for (const bad of [
    { ...ok, name: "" },
    { ...ok, name: "Triage" },
    { ...ok, name: "a b" },
    { ...ok, name: "x".repeat(33) },
    { ...ok, url: "" },
    { ...ok, url: "/relative" },
    { ...ok, url: "javascript:alert(1)" },
    { ...ok, interfaceUrl: "ftp://x.example" },
    { ...ok, avatarUrl: "data:image/png;base64,AA" },
  ]) {
    assert.notEqual(checkBotFields(bad), null, JSON.stringify(bad));
  }
});
