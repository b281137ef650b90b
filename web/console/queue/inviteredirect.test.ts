import { test } from "node:test";
import assert from "node:assert/strict";
import type { Assist, AssistDetails } from "../../shared/api";
import { InviteRedirect, inviteGraceMs, redeemedInvite } from "./inviteredirect";

const assist = (id: string, agentId: string, state: Assist["state"] = "live"): Assist => ({
  id,
  siteId: "s1",
  state,
  personId: "p",
  agentId,
  createdAt: "2026-01-01T10:00:00Z",
});

function setup() {
  const listeners = new Set<() => void>();
  const queue = { assists: [assist("old", "me")] as Assist[], subscribe: (fn: () => void) => (listeners.add(fn), () => listeners.delete(fn)) };
  const audits: Record<string, AssistDetails["audit"]> = {};
  const asked: string[] = [];
  const went: string[] = [];
  let now = Date.parse("2026-01-01T10:00:00Z");
  const r = new InviteRedirect({
    queue,
    me: "me",
    details: async (id) => {
      asked.push(id);
      return { assist: assist(id, "me"), audit: audits[id] ?? [] };
    },
    go: (id) => went.push(id),
    now: () => now,
  });
  const show = async (...list: Assist[]) => {
    queue.assists = list;
    for (const fn of listeners) fn();
    await new Promise((res) => setTimeout(res, 0)); // the details answers
  };
  return { r, audits, asked, went, show, listeners, advance: (ms: number) => (now += ms) };
}

const redeem = (invite: string) => [{ actor: "person:p", action: "invite.redeem", detail: invite, at: "2026-01-01T10:00:01Z" }];

test("redeemedInvite finds the invite named by the assist's log among the pending ones", () => {
  const d = (audit: AssistDetails["audit"]): AssistDetails => ({ assist: assist("a", "me"), audit });
  assert.equal(redeemedInvite(d(redeem("inv1")), new Set(["inv1"])), "inv1");
  assert.equal(redeemedInvite(d(redeem("inv9")), new Set(["inv1"])), null, "someone else's invite");
  assert.equal(redeemedInvite(d([{ actor: "x", action: "consent.allow", detail: "inv1", at: "" }]), new Set(["inv1"])), null);
  assert.equal(redeemedInvite(d(undefined), new Set(["inv1"])), null);
});

test("the agent is taken to the assist their invite started, once", async () => {
  const { r, audits, went, asked, show } = setup();
  r.expect({ id: "inv1", link: "/i/x", code: "ABC", expiresAt: "2026-01-01T11:00:00Z" });
  audits["a2"] = redeem("inv1");
  await show(assist("old", "me"), assist("a1", "someone else"), assist("a3", "me", "waiting"), assist("a2", "me"));
  assert.deepEqual(asked, ["a2"], "only new live assists of this agent are looked at");
  assert.deepEqual(went, ["a2"]);
  await show(assist("old", "me"), assist("a2", "me"), assist("a4", "me"));
  assert.deepEqual(went, ["a2"], "the invite is used: nothing more is opened");
});

test("nothing is looked up while no invite is pending, and an invite is forgotten after it expired", async () => {
  const { r, audits, went, asked, show, advance } = setup();
  audits["a1"] = redeem("inv1");
  await show(assist("a1", "me"));
  assert.deepEqual(asked, []);
  r.expect({ id: "inv2", link: "/i/y", code: "DEF", expiresAt: "2026-01-01T10:10:00Z" });
  advance(10 * 60_000 + inviteGraceMs + 1);
  audits["a5"] = redeem("inv2");
  await show(assist("a5", "me"));
  assert.deepEqual([asked, went], [[], []]);
});

test("stop unsubscribes from the queue", () => {
  const { r, listeners } = setup();
  assert.equal(listeners.size, 1);
  r.stop();
  assert.equal(listeners.size, 0);
});
