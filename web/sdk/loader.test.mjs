// Tests of the loader's modules (loader.ts and what it wires) that need no
// real browser: reading the script tag, events, the site's settings, the
// person, what the control shows in each state and what is saved for the
// next page, invite links, and handing the channel to the next page. The
// whole loader runs in Chromium in internal/e2e.
//
// The modules keep their state at module level (one loader per page), so
// these tests share one instance and run in order. The page is a small fake,
// set up before the modules load: http.ts keeps window.fetch as it is then.
import { test } from "node:test";
import assert from "node:assert/strict";

// ---- a tiny page ----

class FakeEl {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.attrs = {};
    this.children = [];
    this.listeners = {};
    this.isConnected = false;
    this.shadowRoot = null;
  }
  setAttribute(k, v) {
    this.attrs[k] = String(v);
  }
  getAttribute(k) {
    return k in this.attrs ? this.attrs[k] : null;
  }
  append(...kids) {
    this.children.push(...kids);
  }
  replaceChildren(...kids) {
    this.children = kids;
  }
  appendChild(k) {
    this.children.push(k);
    k.isConnected = true;
    return k;
  }
  addEventListener(t, fn) {
    (this.listeners[t] = this.listeners[t] || []).push(fn);
  }
  attachShadow() {
    return (this.shadowRoot = new FakeEl("#shadow-root"));
  }
  click() {
    for (const fn of this.listeners.click || []) fn({ preventDefault() {} });
  }
  focus() {}
  get textContent() {
    return this.children.map((c) => (typeof c === "string" ? c : c.textContent)).join("");
  }
  find(ui) {
    if (this.attrs["data-tandem-ui"] === ui) return this;
    for (const c of this.shadowRoot ? [this.shadowRoot, ...this.children] : this.children) {
      const f = typeof c !== "string" && c.find(ui);
      if (f) return f;
    }
    return null;
  }
}

class FakeStorage {
  constructor() {
    this.m = new Map();
    this.quota = Infinity; // longest value it takes
  }
  getItem(k) {
    return this.m.has(k) ? this.m.get(k) : null;
  }
  setItem(k, v) {
    if (String(v).length > this.quota) throw new Error("QuotaExceededError");
    this.m.set(k, String(v));
  }
  removeItem(k) {
    this.m.delete(k);
  }
}

// Timers run only when a test says so.
let timers = [];
function runTimers() {
  const t = timers;
  timers = [];
  for (const fn of t) fn();
}

// fetch answers with whatever the test puts in respond; requests are kept.
let requests = [];
let respond = () => new Promise(() => {});

let sockets = [];
class FakeSocket {
  constructor(url) {
    this.url = url;
    this.sent = [];
    sockets.push(this);
  }
  send(text) {
    this.sent.push(text);
  }
  close() {}
}

const body = new FakeEl("body");
globalThis.window = globalThis;
globalThis.setTimeout = (fn) => timers.push(fn);
globalThis.clearTimeout = () => {};
globalThis.fetch = (url, init) => {
  requests.push({ url, ...init, page: location.href });
  return respond();
};
globalThis.WebSocket = FakeSocket;
globalThis.sessionStorage = new FakeStorage();
globalThis.localStorage = new FakeStorage();
globalThis.document = {
  currentScript: null,
  readyState: "complete",
  body,
  title: "Cart",
  createElement: (t) => new FakeEl(t),
  querySelector: () => null,
};
globalThis.location = { href: "https://shop.example/cart?x=1#top", hash: "#top", pathname: "/cart", search: "?x=1" };
globalThis.history = {
  state: null,
  replaceState(state, _title, url) {
    const u = new URL(url, location.href);
    Object.assign(location, { href: u.href, hash: u.hash, pathname: u.pathname, search: u.search });
  },
};
Object.defineProperty(globalThis, "navigator", { value: { userAgent: "TestBrowser/1" }, configurable: true });
Object.assign(globalThis, { innerWidth: 800, innerHeight: 600 });

const config = await import("./config.ts");
const events = await import("./events.ts");
const site = await import("./site.ts");
const person = await import("./person.ts");
const state = await import("./state.ts");
const help = await import("./help.ts");
const { checkInvite } = await import("./invite.ts");
const capture = await import("./capture.ts");
const navigation = await import("./navigation.ts");
const { Channel } = await import("./channel.ts");

function scriptTag(src, attrs) {
  const t = new FakeEl("script");
  t.src = src;
  for (const k in attrs) t.setAttribute(k, attrs[k]);
  return t;
}

// flush lets every pending promise settle.
const flush = () => new Promise((r) => setImmediate(r));

// ---- config.ts ----

test("without a site key the loader warns and stays off", () => {
  const warned = [];
  const warn = console.warn;
  console.warn = (m) => warned.push(m);
  try {
    document.currentScript = scriptTag("https://tandem.example/sdk.js", {});
    config.configure();
  } finally {
    console.warn = warn;
  }
  assert.equal(config.base, "");
  assert.match(warned[0], /data-site/);
});

test("the script tag says the site key and the server; TandemConfig wins over it", () => {
  document.currentScript = scriptTag("https://tandem.example/support/sdk.js?v=3", { "data-site": "KEY1" });
  config.configure();
  assert.equal(config.siteKey, "KEY1");
  assert.equal(config.base, "https://tandem.example/support");
  assert.equal(config.storeKey, "tandem.assist.KEY1");
  assert.equal(config.button, true);
  assert.equal(config.script, document.currentScript);

  document.currentScript = scriptTag("https://tandem.example/sdk.js", { "data-site": "KEY1", "data-button": "false" });
  config.configure();
  assert.equal(config.base, "https://tandem.example");
  assert.equal(config.button, false);

  window.TandemConfig = { siteKey: "KEY2", button: false };
  document.currentScript = scriptTag("https://tandem.example/sdk.js", { "data-site": "KEY1" });
  config.configure();
  assert.equal(config.siteKey, "KEY2");
  assert.equal(config.storeKey, "tandem.assist.KEY2");
  assert.equal(config.button, false);
  delete window.TandemConfig;

  // An async script has no currentScript once it runs late: the tag is found by its attributes.
  const tag = scriptTag("https://t.example/sdk.js", { "data-site": "K" });
  document.currentScript = null;
  document.querySelector = (sel) => (sel === "script[data-site][src*='sdk.js']" ? tag : null);
  config.configure();
  assert.equal(config.script, tag);
  assert.equal(config.siteKey, "K");
  assert.equal(config.base, "https://t.example");
  assert.equal(config.button, true);
});

// ---- events.ts ----

test("events reach every listener, even after one throws, and stop when removed", () => {
  const got = [];
  events.on("demo", () => {
    throw new Error("listener bug");
  });
  let offB = () => {};
  const offA = events.on("demo", (d) => {
    got.push("a" + d);
    offB(); // removed during an emit: still called this time
  });
  offB = events.on("demo", (d) => got.push("b" + d));
  timers = [];
  events.emit("demo", 1);
  assert.deepEqual(got, ["a1", "b1"]);
  assert.equal(timers.length, 1, "the listener's error is rethrown later");
  assert.throws(runTimers, /listener bug/);
  offA();
  offA(); // a second time removes nothing else
  timers = [];
  events.emit("demo", 2);
  assert.deepEqual(got, ["a1", "b1"]);
  assert.equal(timers.length, 1, "the other listener is still there");
  events.emit("nobody listens", 3);
});

// ---- site.ts ----

test("the recorder waits for the assist's own site settings; the config endpoint never overrides the welcome's", async () => {
  let changes = 0;
  site.onSiteChange(() => changes++);
  site.resetSite();
  let known = false;
  void site.siteKnown.then(() => (known = true));

  site.learnSite({ strictMasking: true }, "config");
  await flush();
  assert.equal(known, false, "config alone does not release the recorder");
  assert.deepEqual(site.site, { strictMasking: true, captureBodies: false, screenMapping: null });

  site.learnSite({ captureBodies: true }, "welcome");
  await flush();
  assert.equal(known, true);
  assert.deepEqual(site.site, { strictMasking: false, captureBodies: true, screenMapping: null });

  site.learnSite({ strictMasking: true }, "config");
  assert.deepEqual(site.site, { strictMasking: false, captureBodies: true, screenMapping: null }, "older config ignored");
  assert.equal(site.siteFrom, "welcome");
  assert.equal(changes, 2, "no change, no restart");

  site.resetSite();
  known = false;
  void site.siteKnown.then(() => (known = true));
  site.learnSite({ strictMasking: true }, "stored");
  await flush();
  assert.equal(known, true, "the previous page's copy releases it too");
  site.onSiteChange(() => {});
});

// ---- person.ts ----

test("the person is anonymous until identified, with one id per browser", () => {
  const first = person.pageInfo();
  assert.match(first.personId, /^anonymous-[0-9a-f]{24}$/);
  assert.equal(localStorage.getItem("tandem.anonymous"), first.personId);
  assert.equal(person.pageInfo().personId, first.personId);
  assert.deepEqual(first, {
    siteKey: "K",
    pageId: first.pageId,
    url: "https://shop.example/cart?x=1",
    title: "Cart",
    personId: first.personId,
    userAgent: "TestBrowser/1",
    viewport: { width: 800, height: 600, dpr: 1 },
  });

  person.identify(42);
  assert.equal(person.pageInfo().personId, "42");
  assert.equal(sessionStorage.getItem("tandem.person"), "42");
});

// ---- state.ts: the control's view and what is saved ----

test("each state shows its view; idle waits for the site's configuration unless there is an error", () => {
  const cases = [
    [["idle", false, "", "", ""], null],
    [["idle", true, "", "", ""], { kind: "idle", message: "" }],
    [["idle", false, "Oops", "", ""], { kind: "idle", message: "Oops" }],
    [["waiting", false, "", "", ""], { kind: "waiting" }],
    [["consenting", true, "", "", "Alex wants to see this page"], { kind: "prompt", text: "Alex wants to see this page" }],
    [["consenting", true, "", "", ""], { kind: "prompt", text: "Support wants to see this page" }],
    [["live", true, "", "", ""], { kind: "live", watchers: [], asking: [] }],
    [["ended", true, "", "Support session ended.", ""], { kind: "ended", message: "Support session ended." }],
    [["ended", false, "Oops", "", ""], { kind: "idle", message: "Oops" }],
  ];
  for (const [args, want] of cases) assert.deepEqual(state.viewFor(...args), want, args.join(","));
});

const host = () => body.children.find((c) => c.getAttribute("data-tandem-root") !== null);

test("the badge names who watches, and an agent asking to join is answered from the control", async () => {
  const { UI } = await import("./ui.ts");
  const answers = [];
  const nop = () => {};
  const ui = new UI({ help: nop, cancel: nop, allow: nop, deny: nop, end: nop, code: nop, join: (id, allow) => answers.push([id, allow]) }, true);
  ui.render({ kind: "live", watchers: ["Alex", "Sam"], asking: [] });
  assert.equal(ui.host.find("watchers").textContent, "Alex and Sam are viewing this page");
  assert.equal(ui.host.find("join"), null);
  ui.render({ kind: "live", watchers: ["Alex"], asking: [{ id: "q1", name: "Kim", text: "Kim from Support also wants to see this page" }] });
  assert.equal(ui.host.find("join").textContent.includes("Kim from Support also wants to see this page"), true);
  assert.equal(ui.host.find("watchers").textContent, "Alex is viewing this page");
  ui.host.find("join-deny").click();
  ui.host.find("join-allow").click();
  assert.deepEqual(answers, [
    ["q1", false],
    ["q1", true],
  ]);
  body.children = body.children.filter((c) => c !== ui.host);
});

test("a change of state is saved and shown before it is announced", () => {
  const clicks = [];
  const act = (name) => () => clicks.push(name);
  state.createUI({ help: act("help"), cancel: act("cancel"), allow: act("allow"), deny: act("deny"), end: act("end"), code: act("code") }, true);
  const seen = [];
  const offState = events.on("state", (s) => seen.push(["state", s, host().getAttribute("data-tandem-state"), !!sessionStorage.getItem("tandem.assist.K")]));
  const offLive = events.on("live", (d) => seen.push(["live", d]));
  const offEnded = events.on("ended", (d) => seen.push(["ended", d]));

  site.resetSite(); // a new assist: its site settings are not known yet
  state.setSession({ assistId: "a1", token: "t1" });
  state.setState("waiting");
  assert.equal(sessionStorage.getItem("tandem.assist.K"), '{"assistId":"a1","token":"t1","state":"waiting"}');
  host().find("cancel").click();
  assert.deepEqual(clicks, ["cancel"]);

  state.setState("waiting"); // no change: saved and shown again, not announced
  state.setPrompt("Alex wants to see this page");
  state.setState("consenting");
  assert.equal(host().getAttribute("data-tandem-state"), "prompt");
  assert.equal(host().find("message").textContent, "Alex wants to see this page");
  host().find("allow").click();
  assert.deepEqual(clicks, ["cancel", "allow"]);

  site.resetSite();
  site.learnSite({ strictMasking: true }, "welcome");
  state.setState("live");
  assert.deepEqual(JSON.parse(sessionStorage.getItem("tandem.assist.K")), {
    assistId: "a1",
    token: "t1",
    state: "live",
    prompt: "Alex wants to see this page",
    site: { strictMasking: true, captureBodies: false, screenMapping: null },
  });
  assert.equal(host().find("badge").textContent, "Support is viewing this page · End");

  sessionStorage.removeItem("tandem.assist.K");
  state.setSession(null);
  state.setPrompt("");
  timers = [];
  state.showEnded("ended by the agent");
  assert.equal(sessionStorage.getItem("tandem.assist.K"), null, "nothing saved without an assist");
  assert.equal(host().find("message").textContent, "Support session ended.");
  runTimers();
  assert.equal(host().getAttribute("data-tandem-state"), "idle", "the ended message goes after a while");
  state.setState("idle");

  assert.deepEqual(seen, [
    ["state", "waiting", "waiting", true],
    ["state", "consenting", "prompt", true],
    ["state", "live", "live", true],
    ["live", { assistId: "a1" }],
    ["state", "ended", "ended", false],
    ["ended", { reason: "ended by the agent" }],
    ["state", "idle", "idle", false],
  ]);
  offState();
  offLive();
  offEnded();
});

// ---- help.ts and invite.ts ----

test("a failed redemption says why in the panel and fires error", () => {
  const cases = [
    ["not_found", "That code is not valid."],
    ["invalid", "That code is not valid."],
    ["expired", "That invite has expired."],
    ["used", "That invite was already used."],
    ["rate_limited", "Too many attempts. Please try again later."],
    ["http_500", "Could not reach support. Please try again."],
    ["", "Could not reach support. Please try again."],
  ];
  for (const [code, want] of cases) assert.equal(help.inviteError(code), want, code);
});

test("an invite link's token leaves the address bar before it is redeemed", async () => {
  Object.assign(location, {
    href: "https://shop.example/cart?x=1#a=1&tandem-invite=T%2B1&b=2",
    hash: "#a=1&tandem-invite=T%2B1&b=2",
  });
  requests = [];
  respond = async () => ({ ok: false, status: 410, statusText: "Gone", json: async () => ({ error: { code: "expired", message: "invite expired" } }) });
  const errors = [];
  const off = events.on("error", (e) => errors.push(e));
  checkInvite();
  assert.equal(location.href, "https://shop.example/cart?x=1#a=1&b=2");
  assert.equal(requests.length, 1);
  const r = requests[0];
  assert.equal(r.page, "https://shop.example/cart?x=1#a=1&b=2", "redeemed after the token left the address bar");
  assert.equal(r.url, "https://t.example/api/v1/public/invites/redeem");
  assert.equal(r.method, "POST");
  assert.equal(r.credentials, "omit");
  assert.deepEqual(r.headers, { "Content-Type": "application/json" });
  const sent = JSON.parse(r.body);
  assert.equal(sent.token, "T+1");
  assert.equal(sent.url, "https://shop.example/cart?x=1");
  await flush();
  assert.deepEqual(errors, [{ message: "That invite has expired.", code: "expired", cause: "invite expired" }]);
  assert.equal(host().find("message").textContent, "That invite has expired.");

  checkInvite(); // nothing left to redeem
  assert.equal(requests.length, 1);
  off();
});

// ---- chat-host.ts ----

test("a help request carries the chat's conversation, or takes up the one the server made", async () => {
  const chatHost = await import("./chat-host.ts");
  const assist = await import("./assist.ts");
  const key = "tandem.chat." + config.siteKey;
  const hosts = [];
  const handle = { opened: 0, changes: 0, open() { this.opened++; }, close() {}, changed() { this.changes++; } };
  window.__tandemChat = { start: (h) => (hosts.push(h), handle) };
  const answer = (a) => async () => ({ ok: true, status: 201, json: async () => a });
  try {
    // No chat yet: the request names none; the server's is kept and the panel starts, closed.
    requests = [];
    respond = answer({ assistId: "a7", personToken: "p7", state: "waiting", conversationId: "c7", conversationToken: "ct7" });
    await help.requestHelp();
    await flush();
    assert.equal(JSON.parse(requests[0].body).conversationId, undefined);
    assert.deepEqual(JSON.parse(sessionStorage.getItem(key)), { id: "c7", token: "ct7" });
    assert.equal(hosts.length, 1);
    assert.deepEqual(hosts[0].conversation(), { id: "c7", token: "ct7" });
    assert.equal(handle.opened, 0);
    assist.end();

    // The next request carries it, and the answer's same conversation changes nothing.
    requests = [];
    await help.requestHelp();
    await flush();
    const sent = JSON.parse(requests[0].body);
    assert.deepEqual([sent.conversationId, sent.conversationToken], ["c7", "ct7"]);
    assert.equal(handle.changes, 1, "told once, when it came");
    assist.end();

    // The launcher counts unread messages while the panel is closed.
    hosts[0].unread(3);
    const launcher = host().find("chat");
    assert.equal(launcher.hidden, false);
    assert.equal(launcher.find("chat-unread").textContent, "3");
    assert.equal(launcher.getAttribute("aria-label"), "Chat, 3 unread");
    await chatHost.openChat();
    assert.equal(handle.opened, 1);
    assert.equal(launcher.hidden, true);
    assert.equal(JSON.parse(sessionStorage.getItem(key)).open, true);
    hosts[0].unread(0);
    hosts[0].closed();
    assert.equal(launcher.hidden, false);
    assert.equal(launcher.find("chat-unread"), null);

    // An invite button in the chat redeems with the conversation; a bot's invite waits for an agent.
    requests = [];
    respond = answer({ assistId: "a8", personToken: "p8", state: "waiting" });
    hosts[0].redeem("T1");
    await flush();
    const redeemed = JSON.parse(requests[0].body);
    assert.deepEqual([redeemed.token, redeemed.conversationId, redeemed.conversationToken], ["T1", "c7", "ct7"]);
    assert.equal(state.state, "waiting");
    assist.end();
  } finally {
    delete window.__tandemChat;
    sessionStorage.removeItem(key);
    state.setState("idle");
  }
});

// ---- capture.ts ----

test("the recorder starts once live with the assist's settings, and restarts once for many changes", async () => {
  const started = [];
  let stopped = 0;
  const handle = { stop: () => stopped++, snapshot() {}, forget() {}, flush() {}, leave() {}, node: () => null };
  window.__tandemRecorder = { start: (o) => (started.push(o), handle), interact() {} };
  site.onSiteChange(capture.restartIfStale); // as loader.ts wires it
  try {
    state.setSession({ assistId: "a4", token: "t4" });
    site.resetSite();
    state.setState("live");
    capture.startRecorder();
    await flush();
    assert.equal(started.length, 0, "waits for the assist's settings");

    site.learnSite({ strictMasking: true }, "welcome");
    await flush();
    assert.equal(started.length, 1);
    assert.deepEqual(started[0], {
      base: "https://t.example",
      assistId: "a4",
      strictMasking: true,
      captureBodies: false,
      mask: [],
      unmask: [],
      block: [],
      uiClass: "tandem-ui-host",
      screen: null,
      screenMapping: null,
    });

    capture.selectors.mask.push("#card");
    capture.restartRecorder();
    capture.restartRecorder();
    await flush();
    assert.equal(stopped, 1);
    assert.equal(started.length, 2);
    assert.deepEqual(started[1].mask, ["#card"]);

    site.learnSite({ strictMasking: true }, "welcome"); // the same settings: no restart
    await flush();
    assert.equal(started.length, 2);
    site.learnSite({ strictMasking: false }, "welcome");
    await flush();
    assert.equal(started.length, 3);
    assert.equal(started[2].strictMasking, false);

    capture.stopRecorder();
    state.setState("waiting");
    capture.startRecorder();
    await flush();
    assert.equal(started.length, 3, "not live: loaded, but not started");
  } finally {
    delete window.__tandemRecorder;
    capture.selectors.mask.length = 0;
    site.onSiteChange(() => {});
    state.setSession(null);
    state.setState("idle");
  }
});

// ---- navigation.ts ----

test("pagehide hands the channel's frames to the next page, as many as storage takes", () => {
  const frame = (n) => ({ k: "ev", p: "p1", d: JSON.stringify("x".repeat(n)) });
  const ch = new Channel("wss://t.example/ws", { welcome() {}, frame() {}, closed() {} });
  for (let i = 0; i < 3; i++) ch.push(frame(200_000));
  state.setSession({ assistId: "a2", token: "t2" });
  state.setChannel(ch);
  sessionStorage.quota = 500_000; // too small for all three frames
  try {
    navigation.onPageHide();
  } finally {
    sessionStorage.quota = Infinity;
  }
  const saved = JSON.parse(sessionStorage.getItem("tandem.assist.K"));
  assert.equal(saved.assistId, "a2");
  assert.equal(saved.channel.frames.length, 1, "an eighth of the cap: one frame");
  assert.equal(saved.channel.frames[0].s, 1);
  assert.equal(state.channel, null, "this page's connection is closed");

  // Nothing fits: the next page gets the assist without frames, and knows they were lost.
  state.setChannel(ch);
  sessionStorage.quota = 1000;
  try {
    navigation.onPageHide();
  } finally {
    sessionStorage.quota = Infinity;
  }
  const bare = JSON.parse(sessionStorage.getItem("tandem.assist.K"));
  assert.deepEqual(bare.channel.frames, []);
  assert.equal(bare.channel.lost, true);
  state.setSession(null);
});

test("the next page takes up an assist under way and forgets one that is over", () => {
  sessionStorage.setItem("tandem.assist.K", JSON.stringify({ assistId: "a3", token: "t3", state: "ended" }));
  navigation.resume();
  assert.equal(sessionStorage.getItem("tandem.assist.K"), null);
  assert.equal(state.session, null);

  sockets = [];
  sessionStorage.setItem("tandem.assist.K", JSON.stringify({ assistId: "a 3", token: "t/3", state: "consenting", prompt: "Alex asks" }));
  navigation.resume();
  assert.deepEqual(state.session, { assistId: "a 3", token: "t/3" });
  assert.equal(state.state, "consenting");
  assert.equal(host().find("message").textContent, "Alex asks");
  assert.equal(sockets.length, 1);
  assert.equal(sockets[0].url, "wss://t.example/api/v1/public/assists/a%203/ws?token=t%2F3");
});
