import { test } from "node:test";
import assert from "node:assert/strict";

import type { Assist } from "../../shared/api";
import { Alerter, muteKey, NewRequests } from "./alerts";

const req = (id: string, state: Assist["state"] = "waiting") => ({ id, state, pageUrl: "https://shop.example/" + id, personId: "p-" + id }) as Assist;

test("new waiting requests: none on the first listing, then only those not seen", () => {
  const n = new NewRequests();
  const cases: { list: Assist[]; want: string[] }[] = [
    { list: [req("a"), req("b")], want: [] }, // the queue as the console found it
    { list: [req("a"), req("b"), req("c")], want: ["c"] },
    { list: [req("a"), req("c")], want: [] }, // b taken
    { list: [req("a"), req("c"), req("d"), req("e", "live")], want: ["d"] }, // not waiting: no alert
    { list: [req("a"), req("c"), req("d"), req("b")], want: ["b"] }, // back in the queue: asks again
  ];
  for (const c of cases) assert.deepEqual(n.next(c.list).map((a) => a.id), c.want);
});

test("alerts: available agents get sound (unless muted) and a notification per request; away ones nothing", () => {
  const store = new Map<string, string>();
  const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
  const cases = [
    { name: "away", available: false, muted: false, beeps: 0, notes: 0 },
    { name: "available", available: true, muted: false, beeps: 1, notes: 2 },
    { name: "available, muted", available: true, muted: true, beeps: 0, notes: 2 },
  ];
  for (const c of cases) {
    let beeps = 0;
    const notes: string[] = [];
    const opened: string[] = [];
    const clicks: (() => void)[] = [];
    const al = new Alerter(
      {
        beep: () => beeps++,
        notify: (a, onClick) => {
          notes.push(a.id);
          clicks.push(onClick);
          return true;
        },
        open: (id) => opened.push(id),
      },
      storage,
    );
    al.setMuted(c.muted);
    al.available = c.available;
    al.onQueue([req("a")]);
    al.onQueue([req("a"), req("b"), req("c")]);
    assert.equal(beeps, c.beeps, c.name + ": beeps");
    assert.equal(notes.length, c.notes, c.name + ": notifications");
    clicks[1]?.();
    if (c.notes) assert.deepEqual(opened, ["c"], c.name + ": a click opens its request");
  }
  // The choice is remembered for the next console.
  assert.equal(store.get(muteKey), "1");
  assert.equal(new Alerter({ beep() {}, notify: () => false, open() {} }, storage).muted, true);
});
