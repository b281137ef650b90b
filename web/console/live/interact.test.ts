import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeClock } from "../../shared/fakeclock";
import { pointerIdleMs, strokeFadeMs, strokeStayMs } from "../../shared/drawing";
import { handoverChoices, Interact, repairShownMs, repairWords, toastMs } from "./interact";
import type { CallView } from "./mesh";

const last = <T>(xs: readonly T[]): T | undefined => xs[xs.length - 1];

function setup(open = true) {
  const { timers, advance } = fakeClock();
  const sent: { kind: string; payload?: unknown }[] = [];
  let changes = 0;
  const ix = new Interact({
    send: (kind, payload) => {
      if (!open) return false;
      sent.push({ kind, payload });
      return true;
    },
    onChange: () => changes++,
    timers,
  });
  ix.frame("you", { conn: "c-me", id: "u1", name: "Alex" });
  return { ix, sent, advance, changes: () => changes };
}

test("control.state names who holds control", () => {
  const { ix } = setup();
  assert.equal(ix.controlLabel, "The person has control");
  ix.frame("control.state", { holder: { id: "c-me", name: "Alex" } });
  assert.equal(ix.hasControl, true);
  assert.equal(ix.controlLabel, "You have control");
  ix.frame("control.state", { holder: { id: "c-2", name: "Sam" } });
  assert.equal(ix.hasControl, false);
  assert.equal(ix.controlLabel, "Sam has control");
  assert.equal(last(ix.toasts)?.text, "Sam has control now", "losing control is told");
  ix.frame("control.state", { holder: null });
  assert.equal(ix.controlLabel, "The person has control");
});

test("a control request waits for the person and ends with the answer", () => {
  const { ix, sent } = setup();
  ix.requestControl();
  assert.deepEqual(last(sent), { kind: "control.request", payload: undefined });
  assert.equal(ix.requesting, true);
  ix.frame("control.denied", { message: "the person refused control" });
  assert.equal(ix.requesting, false);
  assert.deepEqual(ix.toasts.map((t) => [t.text, t.tone]), [["The person refused control", "bad"]]);
  ix.requestControl();
  ix.frame("error", { ref: "control.request", code: "conflict", message: "Sam holds control; ask them to hand it over" });
  assert.equal(ix.requesting, false);
  assert.equal(last(ix.toasts)?.text, "Sam holds control; ask them to hand it over");
  ix.requestControl();
  ix.frame("control.state", { holder: { id: "c-me", name: "Alex" } });
  assert.equal(ix.requesting, false);
  assert.equal(ix.hasControl, true);
});

test("releasing or handing over is not reported as losing control", () => {
  const { ix, sent } = setup();
  ix.frame("control.state", { holder: { id: "c-me", name: "Alex" } });
  ix.handover("c-2");
  assert.deepEqual(last(sent), { kind: "control.handover", payload: { to: "c-2" } });
  ix.frame("control.state", { holder: { id: "c-2", name: "Sam" } });
  assert.equal(ix.toasts.length, 0);
  ix.frame("control.state", { holder: { id: "c-me", name: "Alex" } });
  ix.releaseControl();
  ix.frame("control.state", { holder: null });
  assert.equal(ix.toasts.length, 0);
  ix.frame("control.state", { holder: { id: "c-me", name: "Alex" } });
  ix.frame("control.state", { holder: null }); // the person took it back
  assert.equal(last(ix.toasts)?.text, "The person took control back");
});

test("failed operations and refusals become toasts that go away", () => {
  const { ix, advance } = setup();
  ix.frame("op.result", { opId: "x-1", ok: true });
  assert.equal(ix.toasts.length, 0);
  ix.frame("op.result", { opId: "x-2", ok: false, error: "this field is masked; the person types it" });
  assert.deepEqual(ix.toasts.map((t) => t.text), ["This field is masked; the person types it"]);
  ix.frame("error", { ref: "op", code: "forbidden", message: "you do not hold control of this page" });
  assert.equal(ix.toasts.length, 2);
  advance(toastMs);
  assert.equal(ix.toasts.length, 0);
});

test("sending while disconnected says so", () => {
  const { ix, sent } = setup(false);
  ix.requestControl();
  assert.equal(sent.length, 0);
  assert.equal(ix.requesting, false);
  assert.match(ix.toasts[0].text, /Not connected/);
});

test("other agents' pointers come and go", () => {
  const { ix, advance } = setup();
  ix.frame("pointer", { node: 12, ox: 0.5, oy: 0.5, x: 10, y: 20, from: "c-2", fromName: "Sam" });
  assert.deepEqual(ix.pointers.get("c-2"), { from: "c-2", name: "Sam", place: { node: 12, ox: 0.5, oy: 0.5, x: 10, y: 20 } });
  ix.frame("pointer", { hide: true, from: "c-2" });
  assert.equal(ix.pointers.size, 0);
  ix.frame("pointer", { x: 1, y: 2, from: "c-3", fromName: "Kim" });
  ix.frame("pointer", { x: 1, y: 2, from: "c-me", fromName: "Alex" });
  assert.deepEqual([...ix.pointers.keys()], ["c-3"], "never our own");
  advance(pointerIdleMs);
  assert.equal(ix.pointers.size, 0, "an idle pointer goes");
});

test("strokes grow, stay, fade and go", () => {
  const { ix, advance } = setup();
  ix.frame("draw", { id: "s1", points: [{ x: 1, y: 2 }, { x: "bad" }], color: "#00f", done: false, from: "c-2" });
  ix.frame("draw", { id: "s1", points: [{ x: 3, y: 4 }], done: true, from: "c-2" });
  ix.ownStroke("k", "#e5484d", [{ x: 5, y: 5 }], false);
  const s = ix.strokes.get("c-2:s1")!;
  assert.deepEqual(s.points, [{ x: 1, y: 2 }, { x: 3, y: 4 }]);
  assert.equal(s.color, "#00f");
  assert.equal(s.done, true);
  assert.equal(ix.strokes.get("me:k")?.own, true);
  advance(strokeStayMs);
  assert.equal(ix.strokes.get("c-2:s1")?.fading, true);
  assert.equal(ix.strokes.get("me:k")?.fading, false, "an unfinished stroke stays longer");
  advance(strokeFadeMs);
  assert.equal(ix.strokes.has("c-2:s1"), false);
  ix.ownStroke("k", "#e5484d", [], true);
  advance(strokeStayMs + strokeFadeMs);
  assert.equal(ix.strokes.size, 0);
});

test("a repair is asked and answered", () => {
  const { ix, sent, advance } = setup();
  ix.requestRepair([]);
  assert.equal(sent.length, 0, "nothing to ask");
  ix.requestRepair(["clear-storage", "reload"]);
  assert.deepEqual(last(sent), { kind: "repair.request", payload: { actions: ["clear-storage", "reload"] } });
  assert.equal(ix.repair.pending, true);
  ix.frame("repair.answer", { allow: true, done: ["clear-storage", "reload"] });
  assert.deepEqual(ix.repair, { pending: false, actions: ["clear-storage", "reload"], answer: { allow: true, done: ["clear-storage", "reload"] } });
  assert.equal(repairWords(ix.repair.answer!.done), "storage cleared, page reloaded");
  advance(repairShownMs);
  assert.equal(ix.repair.answer, null, "the answer goes after a while");
  ix.requestRepair(["clear-cookies"]);
  ix.frame("error", { ref: "repair.request", code: "invalid", message: "nope" });
  assert.equal(ix.repair.pending, false);
});

test("call frames go to the call sink", () => {
  const { ix } = setup();
  const got: unknown[] = [];
  ix.call = { state: (v: CallView) => got.push(["state", v.state, v.callId]), rtc: (p) => got.push(["rtc", p.from]), media: (p) => got.push(["media", p.audio]) };
  ix.frame("call.state", { callId: "c1", state: "ringing", members: [] });
  ix.frame("rtc", { from: "person" });
  ix.frame("call.media", { audio: false });
  assert.deepEqual(got, [["state", "ringing", "c1"], ["rtc", "person"], ["media", false]]);
  assert.equal(ix.frame("ev", {}), false, "data frames are not interaction frames");
});

test("handover choices are the other agents' channels", () => {
  const me = { conn: "c-me", id: "u1", name: "Alex" };
  const agents = [
    { id: "u1", conn: "c-me", name: "Alex" },
    { id: "u1", conn: "c-tab2", name: "Alex" }, // the same agent in another tab
    { id: "u2", conn: "c-2", name: "Sam" },
    { id: "u3", name: "Old server" },
  ];
  assert.deepEqual(handoverChoices(agents, me), [
    { conn: "c-tab2", name: "Alex" },
    { conn: "c-2", name: "Sam" },
  ]);
  assert.deepEqual(handoverChoices(undefined, me), []);
});

test("a dropped channel loses control", () => {
  const { ix } = setup();
  ix.frame("control.state", { holder: { id: "c-me", name: "Alex" } });
  ix.frame("pointer", { x: 1, y: 2, from: "c-3" });
  ix.disconnected();
  assert.equal(ix.hasControl, false);
  assert.equal(ix.pointers.size, 0);
});
