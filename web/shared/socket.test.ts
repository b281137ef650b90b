import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff } from "./backoff";
import { ManualTimers } from "./fakeclock";
import { ReconnectingSocket, ReconnectingSocketOptions, SocketLike, SocketState } from "./socket";

// A socket driven by the test, standing in for the browser's WebSocket.
class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: string[] = [];
  closedWith: [number, string] | null = null;
  constructor(readonly url: string) {}
  open() {
    this.onopen?.({});
  }
  recv(data: unknown) {
    this.onmessage?.({ data });
  }
  // The server (or the network) closes the socket.
  drop(code: number, reason = "") {
    this.onerror?.({});
    this.onclose?.({ code, reason });
  }
  send(data: string) {
    this.sent.push(data);
  }
  // Like the browser's, close fires the close event (here at once).
  close(code = 1000, reason = "") {
    this.closedWith = [code, reason];
    this.onclose?.({ code, reason });
  }
}


type StateChange = [SocketState, number | undefined, string | undefined];

function setup(o: Partial<ReconnectingSocketOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const got: unknown[] = [];
  const states: StateChange[] = [];
  const timers = new ManualTimers();
  let dials = 0;
  let opens = 0;
  const rs = new ReconnectingSocket({
    url: () => `ws://test/x?dial=${++dials}`,
    onOpen: () => opens++,
    onMessage: (d) => got.push(d),
    onState: (s, code, reason) => states.push([s, code, reason]),
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    timers,
    backoff: new Backoff({ baseMs: 100, maxMs: 1000, random: () => 1 }),
    ...o,
  });
  const lastSocket = () => sockets[sockets.length - 1];
  return { rs, sockets, got, states, timers, opens: () => opens, lastSocket };
}

// Lets the callbacks of settled promises run (they are microtasks).
const settle = async () => {
  for (let i = 0; i < 3; i++) await Promise.resolve();
};

test("opens, hands out the messages of the current socket, and asks for the URL before each dial", () => {
  const { rs, sockets, got, states, timers, opens } = setup();
  assert.equal(rs.state, "connecting");
  rs.start();
  assert.equal(sockets[0].url, "ws://test/x?dial=1");
  assert.equal(rs.send("early"), false, "nothing is sent before the socket opens");
  sockets[0].open();
  assert.equal(rs.state, "open");
  assert.equal(opens(), 1);
  sockets[0].recv("a");
  sockets[0].recv(new ArrayBuffer(2));
  assert.equal(rs.send("hello"), true);
  assert.deepEqual(sockets[0].sent, ["hello"]);
  sockets[0].drop(1006, "gone");
  assert.equal(rs.send("lost"), false);
  sockets[0].recv("stale"); // an old socket's late message is not the caller's
  timers.fire();
  assert.equal(sockets[1].url, "ws://test/x?dial=2");
  sockets[1].open();
  sockets[1].recv("b");
  assert.equal(opens(), 2);
  assert.equal(got.length, 3);
  assert.deepEqual([got[0], got[2]], ["a", "b"]);
  assert.ok(got[1] instanceof ArrayBuffer, "binary data is passed on as it came");
  assert.deepEqual(states, [
    ["open", undefined, undefined],
    ["resuming", 1006, "gone"],
    ["open", undefined, undefined],
  ]);
});

test("stops on the close codes that reconnecting cannot fix, and reconnects on the others", () => {
  const cases: { code: number; final: boolean }[] = [
    { code: 4401, final: true }, // the session ended: sign out
    { code: 4403, final: true },
    { code: 4404, final: true },
    { code: 4410, final: true },
    { code: 1000, final: false },
    { code: 1001, final: false },
    { code: 1006, final: false },
    { code: 1013, final: false },
    { code: 4000, final: false },
    { code: 4408, final: false },
    { code: 4409, final: false },
  ];
  for (const c of cases) {
    const { rs, sockets, states, timers } = setup();
    rs.start();
    sockets[0].open();
    sockets[0].drop(c.code, "why");
    if (c.final) {
      assert.deepEqual(states[states.length - 1], ["closed", c.code, "why"], `${c.code}`);
      assert.equal(timers.pending.length, 0, `no reconnect after ${c.code}`);
      rs.start(); // a caller may start it again on purpose
      assert.equal(sockets.length, 2, `started again after ${c.code}`);
    } else {
      assert.deepEqual(states[states.length - 1], ["resuming", c.code, "why"], `${c.code}`);
      timers.fire();
      assert.equal(sockets.length, 2, `dialled again after ${c.code}`);
    }
  }
});

test("the caller can choose its own final codes", () => {
  const { rs, sockets, states, timers } = setup({ finalCodes: new Set([4410]) });
  rs.start();
  sockets[0].drop(4401);
  assert.equal(rs.state, "resuming", "4401 is not final here");
  timers.fire();
  sockets[1].drop(4410);
  assert.deepEqual(states[states.length - 1], ["closed", 4410, ""]);
  assert.equal(timers.pending.length, 0);
});

test("backoff grows to its cap and starts over after a connection that opened", () => {
  const { rs, timers, lastSocket } = setup();
  rs.start();
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    lastSocket().drop(1006);
    delays.push(timers.fire());
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  lastSocket().open();
  lastSocket().drop(1006);
  assert.equal(timers.fire(), 100);
});

test("by default a reconnect waits between half and all of 500 ms doubling to 15 s", () => {
  const cases = [
    { random: 0, want: [250, 500, 1000, 2000, 4000, 7500, 7500] },
    { random: 0.5, want: [375, 750, 1500, 3000, 6000, 11250, 11250] },
    { random: 0.999999, want: [500, 1000, 2000, 4000, 8000, 15000, 15000] },
  ];
  const random = Math.random;
  try {
    for (const c of cases) {
      Math.random = () => c.random; // the default Backoff draws from Math.random
      const { rs, timers, lastSocket } = setup({ backoff: undefined });
      rs.start();
      const got: number[] = [];
      for (let i = 0; i < c.want.length; i++) {
        lastSocket().drop(1006);
        got.push(timers.fire());
      }
      assert.deepEqual(got, c.want, `random ${c.random}`);
    }
  } finally {
    Math.random = random;
  }
});

test("drop closes the current socket with the caller's code and reconnects", () => {
  const { rs, sockets, states, timers } = setup();
  rs.start();
  sockets[0].open();
  rs.drop(4000, "gap");
  assert.deepEqual(sockets[0].closedWith, [4000, "gap"]);
  assert.deepEqual(states[states.length - 1], ["resuming", 4000, "gap"]);
  assert.equal(timers.fire(), 100);
  assert.equal(sockets.length, 2);
});

test("stop closes the socket, cancels a pending reconnect and ignores the old socket", () => {
  const { rs, sockets, states, timers } = setup();
  rs.start();
  sockets[0].open();
  rs.stop();
  assert.deepEqual(sockets[0].closedWith, [1000, "done"]);
  assert.deepEqual(states[states.length - 1], ["closed", undefined, undefined]);
  assert.equal(rs.send("x"), false);

  rs.start();
  sockets[1].drop(1006);
  assert.equal(timers.pending.length, 1);
  rs.stop();
  assert.equal(timers.pending.length, 0, "the reconnect is cancelled");
  assert.equal(sockets.length, 2);
  assert.equal(rs.state, "closed");
});

test("a socket that cannot be made counts as a drop", () => {
  let fail = true;
  const logs: string[] = [];
  const made: FakeSocket[] = [];
  const { rs, states, timers } = setup({
    socket: (url) => {
      if (fail) throw new Error("SyntaxError: bad URL");
      const s = new FakeSocket(url);
      made.push(s);
      return s;
    },
    log: (m) => logs.push(m),
  });
  rs.start();
  assert.deepEqual(states, [["resuming", 1006, ""]]);
  assert.match(logs[0], /bad URL/);
  fail = false;
  timers.fire();
  made[0].open();
  assert.equal(rs.state, "open");
});

test("beforeRedial decides, after the delay, whether to dial again", async () => {
  const answers: (boolean | Error)[] = [new Error("offline"), true, false];
  let asked = 0;
  const { rs, sockets, states, timers } = setup({
    beforeRedial: () => {
      const a = answers[asked++];
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  });
  rs.start();
  assert.equal(asked, 0, "the first dial is not asked about");
  sockets[0].open();
  sockets[0].drop(1006);
  assert.equal(timers.fire(), 100);
  await settle();
  assert.equal(asked, 1);
  assert.equal(sockets.length, 1, "no dial while the check fails");
  assert.equal(rs.state, "resuming");
  assert.equal(timers.fire(), 200, "asks again after the next delay");
  await settle();
  assert.equal(sockets.length, 2, "dialled once the check says so");
  sockets[1].open();
  sockets[1].drop(1006);
  timers.fire();
  await settle();
  assert.equal(asked, 3);
  assert.equal(sockets.length, 2, "no dial once the check says no");
  assert.deepEqual(states[states.length - 1], ["closed", undefined, undefined]);
  assert.equal(timers.pending.length, 0);
});

test("stop while beforeRedial is pending dials nothing", async () => {
  let answer: (v: boolean) => void = () => {};
  const { rs, sockets, timers } = setup({ beforeRedial: () => new Promise<boolean>((r) => (answer = r)) });
  rs.start();
  sockets[0].drop(1006);
  timers.fire();
  rs.stop();
  answer(true);
  await settle();
  assert.equal(sockets.length, 1);
  assert.equal(timers.pending.length, 0);
});
