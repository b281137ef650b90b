// Tests of the person's channel (channel.ts): numbering, the resend buffer,
// what a page hands to the next one, and losses that need a full snapshot.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { Channel, decode, maxBuffered } from "./channel.ts";

// Timers run only when the test says so.
let timers = [];
globalThis.window = globalThis;
globalThis.setTimeout = (fn, ms) => timers.push({ fn, ms }) && timers.length;
globalThis.clearTimeout = () => {};
function runTimers() {
  const t = timers;
  timers = [];
  for (const x of t) x.fn();
}

// A WebSocket driven by the test.
let sockets = [];
class FakeSocket {
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.closed = null;
    sockets.push(this);
  }
  send(text) {
    if (this.closed) throw new Error("closed");
    this.sent.push(text);
  }
  close(code = 1000, reason = "") {
    this.closed = { code, reason };
  }
  recv(text) {
    this.onmessage({ data: text });
  }
  drop(code, reason = "") {
    this.closed = { code, reason };
    this.onclose({ code, reason });
  }
}
globalThis.WebSocket = FakeSocket;

const random = Math.random;
beforeEach(() => {
  timers = [];
  sockets = [];
  Math.random = random;
});

function hooks() {
  const h = { welcomes: [], frames: [], closes: [] };
  h.welcome = (payload, lost) => h.welcomes.push({ payload, lost });
  h.frame = (f) => h.frames.push(f);
  h.closed = (code, reason) => h.closes.push({ code, reason });
  return h;
}

const last = () => sockets[sockets.length - 1];
const data = (ws) => ws.sent.map(decode).filter((f) => f.s).map((f) => `${f.k}${f.s}:${f.payload}`);
const welcome = (ws, ack, state = "live") => ws.recv(`{"k":"welcome","ack":${ack}}\n{"state":"${state}"}`);
const ev = (d) => ({ k: "ev", p: "p1", d: JSON.stringify(d) });

/** A new channel, opened and welcomed with nothing stored yet. */
function welcomed() {
  const h = hooks();
  const ch = new Channel("ws://t/x", h);
  ch.open();
  welcome(last(), 0);
  return { h, ch };
}

test("frames wait for the welcome, then go out numbered from 1", () => {
  const h = hooks();
  const ch = new Channel("ws://t/x", h);
  ch.push({ k: "meta", p: "p1", d: '{"url":"u"}' });
  ch.push(ev(["a"]));
  ch.open();
  const ws = last();
  assert.deepEqual(ws.sent, []);
  welcome(ws, 0);
  assert.deepEqual(data(ws), ['meta1:{"url":"u"}', 'ev2:["a"]']);
  assert.equal(h.welcomes.length, 1);
  assert.equal(h.welcomes[0].lost, false);
  ch.push(ev(["b"]));
  assert.deepEqual(data(ws).slice(2), ['ev3:["b"]']);
  assert.equal(ws.sent[0], '{"k":"meta","s":1,"p":"p1"}\n{"url":"u"}');
});

test("after a drop, only what the server lacks is resent, in order", () => {
  const { ch } = welcomed();
  for (const x of ["a", "b", "c", "d"]) ch.push(ev([x]));
  last().recv('{"k":"ack","ack":1}');
  last().drop(1006);
  ch.push(ev(["e"])); // while disconnected
  runTimers();
  assert.equal(sockets.length, 2);
  welcome(last(), 3); // the server got a, b, c
  assert.deepEqual(data(last()), ['ev4:["d"]', 'ev5:["e"]']);
});

test("a server that holds less than acked gets the rest again", () => {
  const ch = new Channel("ws://t/x", hooks());
  ch.open();
  welcome(last(), 7);
  ch.push(ev(["a"]));
  ch.push(ev(["b"]));
  assert.deepEqual(data(last()), ['ev8:["a"]', 'ev9:["b"]']);
  last().drop(4400, "gap");
  runTimers();
  welcome(last(), 8);
  assert.deepEqual(data(last()), ['ev9:["b"]']);
});

test("ping is answered with pong carrying the same t; other frames go to the hook", () => {
  const { h } = welcomed();
  last().recv('{"k":"ping","t":1234}');
  assert.deepEqual(last().sent, ['{"k":"pong","t":1234}']);
  last().recv('{"k":"prompt"}\n{"text":"Alex wants to see this page"}');
  assert.equal(h.frames.length, 1);
  assert.equal(h.frames[0].k, "prompt");
  assert.equal(JSON.parse(h.frames[0].payload).text, "Alex wants to see this page");
});

test("control frames queued while disconnected go out before resent data", () => {
  const ch = new Channel("ws://t/x", hooks());
  ch.push(ev(["a"]));
  ch.send("consent", { allow: true });
  ch.open();
  welcome(last(), 0, "consenting");
  assert.deepEqual(last().sent, ['{"k":"consent"}\n{"allow":true}', '{"k":"ev","s":1,"p":"p1"}\n["a"]']);
});

test("the next page resumes where this one stopped", () => {
  const ch = new Channel("ws://t/x", hooks());
  ch.open();
  welcome(last(), 0);
  for (const x of ["a", "b", "c"]) ch.push(ev([x]));
  last().recv('{"k":"ack","ack":1}');
  const saved = JSON.parse(JSON.stringify(ch.save(1 << 20)));
  ch.stop();
  assert.equal(saved.frames.length, 2);
  assert.equal(saved.nextSeq, 4);
  assert.equal(saved.lost, false);

  const h = hooks();
  const next = new Channel("ws://t/x", h, saved);
  next.push({ k: "meta", p: "p2", d: "{}" }); // the new page, before connecting
  next.open();
  welcome(last(), 2); // the server got b but not c
  assert.equal(h.welcomes[0].lost, false);
  assert.deepEqual(data(last()), ['ev3:["c"]', "meta4:{}"]);
});

test("frames lost on the way to the next page ask for a full snapshot", () => {
  const ch = new Channel("ws://t/x", hooks());
  ch.open();
  welcome(last(), 0);
  ch.push(ev(["a"]));
  ch.push(ev(["x".repeat(5000)]));
  ch.push(ev(["c"]));
  last().drop(1006); // none of them acknowledged; the server got only a
  const saved = ch.save(200); // room for the first frame only
  assert.equal(saved.frames.length, 1);
  assert.equal(saved.nextSeq, 2);
  assert.equal(saved.evictedMax, 3);

  const h = hooks();
  const next = new Channel("ws://t/x", h, JSON.parse(JSON.stringify(saved)));
  next.push({ k: "meta", p: "p2", d: "{}" });
  next.open();
  welcome(last(), 1);
  assert.equal(h.welcomes[0].lost, true);
  assert.deepEqual(data(last()), [], "stale frames are dropped");
  next.push({ k: "snap", p: "p2", h: "h1", d: "[]" });
  assert.deepEqual(data(last()), ["snap2:[]"], "numbering continues after what the server holds");
});

test("frames the server already holds are not a loss", () => {
  const ch = new Channel("ws://t/x", hooks());
  ch.open();
  welcome(last(), 0);
  ch.push(ev(["a"]));
  ch.push(ev(["x".repeat(5000)]));
  const saved = JSON.parse(JSON.stringify(ch.save(200)));
  const h = hooks();
  const next = new Channel("ws://t/x", h, saved);
  next.open();
  welcome(last(), 2);
  assert.equal(h.welcomes[0].lost, false);
});

test("an overflowing buffer is dropped and a full snapshot requested", () => {
  const h = hooks();
  const ch = new Channel("ws://t/x", h);
  const big = "y".repeat(1 << 20);
  for (let i = 0; i * (1 << 20) <= maxBuffered; i++) ch.push(ev([big])); // never connected
  ch.push(ev(["after"]));
  ch.open();
  welcome(last(), 0);
  assert.equal(h.welcomes[0].lost, true);
  assert.deepEqual(data(last()), []);
});

test("a frame over the server's limit is refused, not sent", () => {
  const ch = new Channel("ws://t/x", hooks());
  ch.open();
  welcome(last(), 0);
  assert.throws(() => ch.push({ k: "snap", p: "p1", h: "h", d: "z".repeat(9 << 20) }), /too large/);
  ch.push(ev(["ok"]));
  assert.deepEqual(data(last()), ['ev1:["ok"]']);
});

test("closing codes that reconnecting cannot fix stop the channel", () => {
  for (const code of [4401, 4403, 4404, 4409, 4410]) {
    const { h } = welcomed();
    const n = sockets.length;
    last().drop(code, "bye");
    runTimers();
    assert.equal(sockets.length, n, `no reconnect after ${code}`);
    assert.deepEqual(h.closes, [{ code, reason: "bye" }]);
  }
});

test("4413 (too large) drops what was buffered and asks for a snapshot", () => {
  const { h, ch } = welcomed();
  ch.push(ev(["a"]));
  last().drop(4413);
  runTimers();
  welcome(last(), 0);
  assert.equal(h.welcomes[1].lost, true);
  assert.deepEqual(data(last()), []);
});

test("finish while disconnected connects just to send the last frame", () => {
  const h = hooks();
  const ch = new Channel("ws://t/x", h);
  ch.push(ev(["a"]));
  ch.finish("end");
  const ws = last();
  welcome(ws, 0);
  assert.deepEqual(ws.sent, ['{"k":"end"}']);
  assert.ok(ws.closed, "closed after sending");
  assert.equal(h.welcomes.length, 0);
});

test("finish while connected sends at once and closes", () => {
  const ch = new Channel("ws://t/x", hooks());
  ch.open();
  welcome(last(), 0);
  ch.finish("consent", { allow: false });
  assert.deepEqual(last().sent, ['{"k":"consent"}\n{"allow":false}']);
  assert.equal(last().closed.code, 1000);
});

// reconnects opens a channel whose backoff draws r from Math.random, drops
// its connection seven times and returns the channel and the delays.
function reconnects(r) {
  timers = [];
  Math.random = () => r; // restored after each test
  const ch = new Channel("ws://t/x", hooks());
  ch.open();
  const delays = [];
  for (let i = 0; i < 7; i++) {
    last().drop(1006);
    delays.push(timers[0].ms);
    runTimers();
  }
  return { ch, delays };
}

test("reconnection waits a random part of 250 ms doubling to 5 s (full jitter), and starts over on welcome", () => {
  const { ch, delays } = reconnects(0.5);
  assert.deepEqual(delays, [125, 250, 500, 1000, 2000, 2500, 2500]);
  welcome(last(), 0);
  last().drop(1006);
  assert.equal(timers[0].ms, 125, "a welcome resets the backoff");
  ch.stop();
  assert.deepEqual(reconnects(0.999999).delays, [250, 500, 1000, 2000, 4000, 5000, 5000], "at most the nominal delay");
  assert.deepEqual(reconnects(0).delays, [0, 0, 0, 0, 0, 0, 0], "as little as nothing");
});

test("4412 (unknown page snapshot) resends the ref as its full snap and forgets the pages", () => {
  const h = hooks();
  let forgot = 0;
  h.forget = () => forgot++;
  const ch = new Channel("ws://t/x", h);
  ch.open();
  welcome(last(), 0);
  ch.push({ k: "meta", p: "p1", d: "{}" });
  ch.push({ k: "ref", p: "p1", h: "h1", d: "[meta]", full: "[meta,full]" });
  ch.push(ev(["after"]));
  assert.deepEqual(data(last()), ["meta1:{}", "ref2:[meta]", 'ev3:["after"]'], "the full snapshot is never sent with the ref");
  last().drop(4412, "unknown page snapshot; send it in full");
  assert.equal(forgot, 1);
  assert.deepEqual(h.closes, [], "4412 is not final");
  runTimers();
  welcome(last(), 1); // the server took the meta and refused the ref
  assert.equal(h.welcomes[1].lost, false, "nothing was lost: the snap goes in the ref's place");
  assert.deepEqual(data(last()), ['snap2:[meta,full]', 'ev3:["after"]']);
  const f = decode(last().sent.find((t) => t.startsWith('{"k":"snap"')));
  assert.equal(f.h, "h1");
  assert.equal(f.p, "p1");
});

test("4412 for a ref handed on by the previous page asks for a fresh snapshot", () => {
  const ch = new Channel("ws://t/x", hooks());
  ch.open();
  welcome(last(), 0);
  ch.push({ k: "ref", p: "p1", h: "h1", d: "[meta]", full: "[meta,full]" });
  const saved = JSON.parse(JSON.stringify(ch.save(1 << 20)));
  assert.equal(saved.frames[0].full, undefined, "the full snapshot is not handed on");
  ch.stop();
  const h = hooks();
  const next = new Channel("ws://t/x", h, saved);
  next.open();
  welcome(last(), 0);
  last().drop(4412);
  runTimers();
  welcome(last(), 0);
  assert.equal(h.welcomes[1].lost, true);
  assert.deepEqual(data(last()), []);
});

test("1013 (busy) reconnects and resends from the ack", () => {
  const { h, ch } = welcomed();
  ch.push(ev(["a"]));
  ch.push(ev(["b"]));
  last().recv('{"k":"ack","ack":1}');
  const n = sockets.length;
  last().drop(1013, "busy; reconnect and resend");
  assert.deepEqual(h.closes, []);
  runTimers();
  assert.equal(sockets.length, n + 1, "reconnected");
  welcome(last(), 1);
  assert.equal(h.welcomes[1].lost, false);
  assert.deepEqual(data(last()), ['ev2:["b"]']);
});

test("frames stay buffered until stored, and are not resent while the server holds them", () => {
  const ch = new Channel("ws://t/x", hooks());
  ch.open();
  welcome(last(), 0);
  for (const x of ["a", "b", "c"]) ch.push(ev([x]));
  last().recv('{"k":"ack","ack":3,"stored":1}');
  const saved = ch.save(1 << 20);
  assert.deepEqual(saved.frames.map((f) => f.s), [2, 3], "accepted but not stored: kept");
  last().drop(1006);
  runTimers();
  welcome(last(), 3, "live"); // the server still holds b and c, stored nothing more
  assert.deepEqual(data(last()), [], "held frames are not sent again");
  ch.push(ev(["d"]));
  assert.deepEqual(data(last()), ['ev4:["d"]']);
  last().recv('{"k":"ack","ack":4,"stored":4}');
  assert.deepEqual(ch.save(1 << 20).frames, [], "stored: dropped");
});

test("a welcome says what is stored", () => {
  const ch = new Channel("ws://t/x", hooks());
  ch.open();
  welcome(last(), 0);
  for (const x of ["a", "b"]) ch.push(ev([x]));
  last().drop(1006);
  runTimers();
  last().recv('{"k":"welcome","ack":2,"stored":2}\n{"state":"live"}');
  assert.deepEqual(ch.save(1 << 20).frames, []);
  assert.deepEqual(data(last()), []);
});

test("a full buffer first lets go of frames the server holds", () => {
  const { ch } = welcomed();
  const big = "y".repeat(1 << 20);
  const n = Math.floor(maxBuffered / (1 << 20)) - 1;
  for (let i = 0; i < n; i++) ch.push(ev([big]));
  last().recv(`{"k":"ack","ack":${n},"stored":0}`);
  ch.push(ev([big])); // over the limit
  assert.equal(last().closed, null, "no resync: nothing was lost");
  assert.equal(data(last()).length, n + 1, "the new frame went out");
  assert.deepEqual(ch.save(1 << 30).frames.map((f) => f.s), [n + 1]);
});

test("4429 (too fast) waits at least 5 s, then resends from the ack", () => {
  const { h, ch } = welcomed();
  ch.push(ev(["a"]));
  last().drop(4429, "sending faster than 1024 KiB/s");
  assert.deepEqual(h.closes, [], "4429 is not final");
  assert.ok(timers[0].ms >= 5000, `waited ${timers[0].ms} ms`);
  runTimers();
  welcome(last(), 0);
  assert.deepEqual(data(last()), ['ev1:["a"]']);
});
