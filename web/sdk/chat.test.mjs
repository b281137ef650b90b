// Tests of the chat panel's pure parts (chat-model.ts) and of the panel's
// DOM (chat-panel.ts) on a small fake document: events read defensively,
// messages in order and replaced in place, unread counts, typing, which
// links a button opens, and message text kept as text. The whole panel runs
// in Chromium in internal/e2e (TestTriage).
import { test } from "node:test";
import assert from "node:assert/strict";

// ---- a tiny DOM, enough for the panel ----

class FakeEl {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.attrs = {};
    this.kids = [];
    this.parent = null;
    this.listeners = {};
    this.hidden = false;
    this.value = "";
    this.scrollTop = 0;
    this.scrollHeight = 0;
    this.clientHeight = 0;
  }
  setAttribute(k, v) {
    this.attrs[k] = String(v);
    if (k === "hidden") this.hidden = true;
  }
  getAttribute(k) {
    return k in this.attrs ? this.attrs[k] : null;
  }
  get children() {
    return this.kids.filter((k) => typeof k !== "string");
  }
  adopt(k) {
    if (typeof k !== "string") {
      if (k.parent) k.remove();
      k.parent = this;
    }
    return k;
  }
  replaceChildren(...kids) {
    for (const k of this.kids) if (typeof k !== "string") k.parent = null;
    this.kids = [];
    this.append(...kids);
  }
  append(...kids) {
    for (const k of kids) this.kids.push(this.adopt(k));
  }
  insertBefore(k, before) {
    this.adopt(k);
    const i = before ? this.kids.indexOf(before) : -1;
    if (i < 0) this.kids.push(k);
    else this.kids.splice(i, 0, k);
  }
  remove() {
    if (!this.parent) return;
    this.parent.kids = this.parent.kids.filter((k) => k !== this);
    this.parent = null;
  }
  replaceWith(k) {
    const p = this.parent;
    const i = p.kids.indexOf(this);
    this.remove();
    p.adopt(k);
    p.kids.splice(i, 0, k);
  }
  addEventListener(t, fn) {
    (this.listeners[t] = this.listeners[t] || []).push(fn);
  }
  fire(t, e = {}) {
    for (const fn of this.listeners[t] || []) fn({ preventDefault() {}, stopPropagation() {}, ...e });
  }
  click() {
    this.fire("click");
  }
  focus() {}
  get textContent() {
    return this.kids.map((k) => (typeof k === "string" ? k : k.textContent)).join("");
  }
  set textContent(v) {
    this.kids = v ? [String(v)] : [];
  }
  all(ui, out = []) {
    for (const k of this.children) {
      if (k.attrs["data-tandem-ui"] === ui) out.push(k);
      k.all(ui, out);
    }
    return out;
  }
  find(ui) {
    return this.all(ui)[0] || null;
  }
}

globalThis.document = { createElement: (t) => new FakeEl(t) };

const model = await import("./chat-model.ts");
const { ChatPanel } = await import("./chat-panel.ts");

const msg = (id, seq, account, text, more = {}) => ({ id, seq, author: { account, name: account.split(":")[0] === "bot" ? "triage" : "Alex" }, text, ...more });

// ---- the model ----

test("live events are read defensively, and only for this conversation", () => {
  const cases = [
    ['{"type":"message","conversationId":"c1","message":{"id":"m1","seq":3,"text":"hi","author":{"account":"bot:b","name":"triage"}}}', "message"],
    ['{"type":"message.replaced","conversationId":"c1","message":{"id":"m1","seq":3,"text":"edited"}}', "message"],
    ['{"type":"message","conversationId":"c2","message":{"id":"m1","seq":3}}', null],
    ['{"type":"message","conversationId":"c1","message":{"seq":3}}', null],
    ['{"type":"typing","conversationId":"c1","account":"user:u","name":"Alex"}', "typing"],
    ['{"type":"typing","conversationId":"c1"}', null],
    ['{"type":"notice","conversationId":"c1","text":"Only for you"}', "notice"],
    ['{"type":"notice","conversationId":"c1"}', null],
    ['{"type":"conversation","conversation":{"id":"c1"}}', "conversation"],
    ['{"type":"resync"}', "resync"],
    ['{"type":"read","conversationId":"c1","account":"user:u","seq":2}', null],
    ["not json", null],
    ["null", null],
    ['"text"', null],
  ];
  for (const [frame, want] of cases) {
    const e = model.parseEvent(frame, "c1", 7, 2);
    assert.equal(e ? e.type : null, want, frame);
  }
  const n = model.parseEvent('{"type":"notice","conversationId":"c1","text":"x"}', "c1", 7, 2);
  assert.deepEqual([n.message.id, n.message.seq, n.message.notice], ["notice-2", 7, true]);
});

test("a message keeps only typed fields", () => {
  const m = model.parseMessage({
    id: "m1",
    seq: "4",
    author: { account: 5 },
    text: { html: "<b>" },
    blocks: [{ type: "actions", buttons: [{ label: "Go", url: "https://x.example/" }, { url: "https://no-label/" }, null] }, { text: "no type" }, "x"],
    attachments: [{ id: "a1", name: "shot.png", contentType: "image/png", size: 10 }, { name: "no id" }],
  });
  assert.equal(m.seq, 4);
  assert.equal(m.author, undefined);
  assert.equal(m.text, "");
  assert.equal(m.blocks.length, 1);
  assert.deepEqual(m.blocks[0].buttons.map((b) => b.label), ["Go"]);
  assert.deepEqual(m.attachments.map((a) => a.id), ["a1"]);
  assert.equal(model.parseMessage({ seq: 1 }), null);
});

test("messages stay in seq order; a repeat replaces; notices stay last", () => {
  let l = [];
  for (const m of [msg("b", 2, "user:u", "two"), msg("a", 1, "user:u", "one"), msg("c", 3, "user:u", "three")]) l = model.merge(l, m);
  assert.deepEqual(l.map((m) => m.id), ["a", "b", "c"]);
  l = model.merge(l, { id: "n", seq: 3, text: "notice", notice: true });
  l = model.merge(l, msg("b", 2, "user:u", "two, edited"));
  assert.deepEqual(l.map((m) => m.id), ["a", "b", "c", "n"]);
  assert.equal(l[1].text, "two, edited");
  assert.equal(model.lastSeq(l), 3);
  assert.equal(model.lastSeq([]), 0);
});

test("unread counts others' messages after what was read", () => {
  const self = model.selfAccount("c1");
  const l = [msg("a", 1, "bot:b", "hi"), msg("b", 2, self, "mine"), msg("c", 3, "user:u", "hello"), { id: "n", seq: 3, notice: true, text: "x" }];
  const cases = [
    [0, 2],
    [1, 1],
    [2, 1],
    [3, 0],
  ];
  for (const [read, want] of cases) assert.equal(model.unreadCount(l, self, read), want, "read " + read);
});

test("authors: the person is You, bots are marked", () => {
  const self = model.selfAccount("c1");
  assert.deepEqual(model.authorOf(msg("a", 1, self, "x"), self), { name: "You", bot: false, self: true });
  assert.deepEqual(model.authorOf(msg("a", 1, "bot:b", "x"), self), { name: "triage", bot: true, self: false });
  assert.deepEqual(model.authorOf({ id: "a", seq: 1, author: { account: "user:u" } }, self), { name: "Support", bot: false, self: false });
});

test("buttons open only http and https links; invites to this site join in place", () => {
  const page = "https://shop.example/cart?x=1";
  const cases = [
    ["https://docs.example/help", "https://docs.example/help", ""],
    ["http://docs.example/", "http://docs.example/", ""],
    ["javascript:alert(1)", "", ""],
    ["data:text/html,<b>", "", ""],
    ["/relative", "", ""],
    ["https://shop.example/cart#tandem-invite=T0K%2B", "https://shop.example/cart#tandem-invite=T0K%2B", "T0K+"],
    ["https://shop.example/other#x=1&tandem-invite=abc", "https://shop.example/other#x=1&tandem-invite=abc", "abc"],
    ["https://evil.example/cart#tandem-invite=abc", "https://evil.example/cart#tandem-invite=abc", ""],
    ["http://shop.example/cart#tandem-invite=abc", "http://shop.example/cart#tandem-invite=abc", ""],
    ["https://shop.example/cart#tandem-invite=%E0%A4%A", "https://shop.example/cart#tandem-invite=%E0%A4%A", ""],
  ];
  for (const [url, safe, token] of cases) {
    assert.equal(model.safeURL(url), safe, url);
    assert.equal(model.inviteToken(url, page), token, url);
  }
});

test("images are the types the server shows inline", () => {
  for (const [t, want] of [
    ["image/png", true],
    ["image/JPEG", true],
    ["image/webp; q=1", true],
    ["image/svg+xml", false],
    ["text/html", false],
    ["", false],
  ])
    assert.equal(model.isImage(t), want, t);
  assert.equal(model.sizeText(532), "532 B");
  assert.equal(model.sizeText(12 * 1024), "12 KB");
  assert.equal(model.sizeText(3.4 * 1024 * 1024), "3.4 MB");
});

test("typing shows for a while, and stops with the message", () => {
  const t = new model.Typing();
  t.see("bot:b", "triage", 1000);
  t.see("user:u", "Alex", 2000);
  assert.equal(model.typingText(t.names(3000)), "Alex and triage are typing…");
  assert.equal(model.typingText(t.names(1000 + model.typingShowMs)), "Alex is typing…");
  t.stop("user:u");
  assert.equal(model.typingText(t.names(2500)), "");
  t.see("a", "", 0);
  assert.equal(model.typingText(t.names(1)), "Someone is typing…");
  assert.equal(model.typingText(["A", "B", "C"]), "A, B and C are typing…");
});

test("reconnecting backs off to 30 s", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 50].map(model.reconnectDelay), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

// ---- the panel ----

function panel() {
  const calls = [];
  const actions = {
    send: (t) => calls.push(["send", t]),
    typing: () => calls.push(["typing"]),
    more: () => calls.push(["more"]),
    close: () => calls.push(["close"]),
    press: (m, b) => calls.push(["press", m.id, b.id || b.url]),
    attachment: (a, img) => calls.push(["attachment", a.id, !!img]),
    attach: (files) => calls.push(["attach", files.map((f) => f.name)]),
    unattach: (key) => calls.push(["unattach", key]),
  };
  return { p: new ChatPanel(actions, "person:c1"), calls };
}

test("message text is text: markup stays words", () => {
  const { p } = panel();
  const evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
  p.show(msg("a", 1, "bot:b", evil));
  const m = p.el.find("chat-message");
  assert.equal(m.find("chat-text").kids[0], evil);
  assert.equal(m.all("chat-text").length, 1);
  assert.equal(m.find("chat-bot").textContent, "Bot");
  assert.equal(p.el.find("chat-log").getAttribute("role"), "log");
  assert.equal(p.el.find("chat-log").getAttribute("aria-live"), "polite");
});

test("messages are placed by seq, replaced in place, notices last", () => {
  const { p } = panel();
  p.show(msg("c", 3, "user:u", "three"));
  p.show(msg("a", 1, "person:c1", "one"));
  p.show({ id: "notice-0", seq: 3, text: "for you", notice: true });
  p.show(msg("b", 2, "user:u", "two"));
  p.show(msg("a", 1, "person:c1", "one, edited"));
  const shown = p.el.all("chat-message").map((n) => n.getAttribute("data-id") + "=" + n.find("chat-text").textContent);
  assert.deepEqual(shown, ["a=one, edited", "b=two", "c=three", "notice-0=for you"]);
  const [mine, , , notice] = p.el.all("chat-message");
  assert.equal(mine.find("chat-author").textContent, "You");
  assert.equal(notice.find("chat-author").textContent, "Only you can see this");
  p.reset("person:c2");
  assert.equal(p.el.all("chat-message").length, 0);
});

test("buttons: safe links and callbacks only; presses reach the actions", () => {
  const { p, calls } = panel();
  p.show(
    msg("a", 1, "bot:b", "", {
      blocks: [
        { type: "header", text: "Help" },
        { type: "actions", buttons: [{ label: "Docs", url: "https://docs.example/" }, { label: "Bad", url: "javascript:alert(1)" }, { id: "btn1", label: "Yes", style: "primary" }, { label: "No id" }] },
        { type: "image", imageUrl: "http://insecure.example/i.png" },
        { type: "image", imageUrl: "https://cdn.example/i.png", altText: "chart" },
      ],
      attachments: [
        { id: "at1", name: "shot.png", contentType: "image/png", size: 5 },
        { id: "at2", name: "log.txt", contentType: "text/plain", size: 2048 },
      ],
    }),
  );
  const links = p.el.all("chat-link");
  assert.deepEqual(links.map((b) => b.textContent), ["Docs"]);
  assert.deepEqual(p.el.all("chat-button").map((b) => b.textContent), ["Yes"]);
  links[0].click();
  p.el.find("chat-button").click();
  assert.equal(p.el.find("chat-file").textContent, "log.txt (2 KB)");
  p.el.find("chat-file").click();
  assert.deepEqual(calls, [
    ["attachment", "at1", true],
    ["press", "a", "https://docs.example/"],
    ["press", "a", "btn1"],
    ["attachment", "at2", false],
  ]);
  const imgs = [];
  (function walk(n) {
    for (const k of n.children) {
      if (k.tagName === "IMG") imgs.push(k.getAttribute("src") || "(attachment)");
      walk(k);
    }
  })(p.el);
  assert.deepEqual(imgs, ["https://cdn.example/i.png", "(attachment)"]);
});

test("the composer sends trimmed text on Enter, not on Shift+Enter, and gives it back on failure", () => {
  const { p, calls } = panel();
  const input = p.el.find("chat-input");
  input.value = "  my cart is broken \n";
  input.fire("keydown", { key: "Enter", shiftKey: true });
  assert.deepEqual(calls, []);
  input.fire("keydown", { key: "Enter" });
  assert.deepEqual(calls, [["send", "my cart is broken"]]);
  assert.equal(input.value, "");
  input.value = "   ";
  input.fire("keydown", { key: "Enter" });
  assert.equal(calls.length, 1);
  input.value = "";
  p.restore("my cart is broken");
  assert.equal(input.value, "my cart is broken");
  p.el.fire("keydown", { key: "Escape" });
  assert.deepEqual(calls.at(-1), ["close"]);
  p.setMore(true);
  assert.equal(p.el.find("chat-more").hidden, false);
  p.el.find("chat-more").click();
  assert.deepEqual(calls.at(-1), ["more"]);
});

// ---- attaching ----

test("attached files: over the limits refused with a reason, chips until sent or removed", () => {
  const MB = 1024 * 1024;
  const cases = [
    { name: "one small file", files: [["a.png", 10]], chips: ["a.png"], refused: "" },
    { name: "exactly the limit", files: [["big.bin", 10 * MB]], chips: ["big.bin"], refused: "" },
    { name: "over the limit", files: [["huge.mov", 10 * MB + 1], ["ok.txt", 3]], chips: ["ok.txt"], refused: "huge.mov is too large: a file is at most 10.0 MB." },
    { name: "two too large", files: [["x", 11 * MB], ["y", 12 * MB]], chips: [], refused: "x, y are too large: a file is at most 10.0 MB." },
    { name: "empty", files: [["e.txt", 0]], chips: [], refused: "e.txt is empty." },
    { name: "more than a message carries", files: Array.from({ length: 12 }, (_, i) => ["f" + i, 1]), chips: Array.from({ length: 10 }, (_, i) => "f" + i), refused: "A message carries at most 10 files." },
  ];
  for (const c of cases) {
    const u = new model.Uploads();
    const { added, refused } = u.add(c.files.map(([name, size]) => ({ name, size })));
    assert.deepEqual(u.list().map((p) => p.name), c.chips, c.name);
    assert.deepEqual(added.map(([p, f]) => p.name + "=" + f.name), c.chips.map((n) => n + "=" + n), c.name);
    assert.equal(refused, c.refused, c.name);
  }

  const u = new model.Uploads();
  const [[a], [b], [c]] = u.add([{ name: "a", size: 1 }, { name: "b", size: 2 }, { name: "c", size: 3 }]).added;
  assert.equal(u.busy(), true);
  assert.deepEqual(u.ids(), []);
  assert.equal(u.uploaded(a.key, "att-a"), true);
  u.remove(b.key);
  assert.equal(u.uploaded(b.key, "att-b"), false, "a removed chip stays removed");
  assert.equal(u.busy(), true, "c still uploads");
  u.uploaded(c.key, "att-c");
  assert.equal(u.busy(), false);
  assert.deepEqual(u.ids(), ["att-a", "att-c"]);
  const [[d]] = u.add([{ name: "d", size: 4 }]).added;
  u.sent(["att-a", "att-c"]);
  assert.deepEqual(u.list().map((p) => p.key), [d.key], "a file chosen while sending waits for the next message");
  u.clear();
  assert.deepEqual(u.list(), []);
});

test("a refused upload says why, from the server's error", () => {
  const cases = [
    [413, { error: { code: "too_large", message: "a file is at most 10 MiB" } }, "big.zip is too large: a file is at most 10 MiB."],
    [400, { error: { code: "invalid", message: "the file is empty" } }, "big.zip was refused: the file is empty."],
    [415, { error: { code: "unsupported_media_type", message: "not this type" } }, "big.zip was refused: not this type."],
    [429, { error: { code: "rate_limited", message: "slow down" } }, "You are sending too fast. Please wait a moment."],
    [500, { error: { code: "internal", message: "db down" } }, "big.zip could not be attached. Please try again."],
    [502, "<html>bad gateway</html>", "big.zip could not be attached. Please try again."],
    [400, { error: { message: 5 } }, "big.zip could not be attached. Please try again."],
    [413, null, "big.zip is too large."],
  ];
  for (const [status, body, want] of cases) assert.equal(model.uploadError("big.zip", status, body), want, JSON.stringify(body));
});

test("the composer attaches files by a labelled button, shows removable chips and sends files alone", () => {
  const { p, calls } = panel();
  const attach = p.el.find("chat-attach");
  const input = p.el.find("chat-file-input");
  assert.equal(attach.tagName, "BUTTON");
  assert.equal(attach.getAttribute("aria-label"), "Attach files");
  assert.equal(input.getAttribute("type"), "file");
  let opened = 0;
  input.click = () => opened++;
  attach.click();
  assert.equal(opened, 1, "the button opens the file picker");
  input.files = [{ name: "shot.png", size: 5 }];
  input.value = "C:\\fakepath\\shot.png";
  input.fire("change");
  assert.deepEqual(calls, [["attach", ["shot.png"]]]);
  assert.equal(input.value, "", "the same file can be chosen again");
  input.files = [];
  input.fire("change");
  assert.equal(calls.length, 1, "choosing nothing attaches nothing");

  p.setChips([{ key: 1, name: "shot.png", size: 2048, id: "att1" }, { key: 2, name: "log.txt", size: 9 }]);
  const chips = p.el.all("chat-chip");
  assert.deepEqual(chips.map((c) => c.textContent), ["shot.png (2 KB)×", "log.txt (uploading…)×"]);
  assert.deepEqual(chips.map((c) => c.getAttribute("data-ready")), ["true", "false"]);
  assert.equal(p.el.all("chat-chip-remove")[1].getAttribute("aria-label"), "Remove log.txt");
  p.el.all("chat-chip-remove")[1].click();
  assert.deepEqual(calls.at(-1), ["unattach", 2]);

  // With files, an empty composer still sends.
  p.el.find("chat-input").fire("keydown", { key: "Enter" });
  assert.deepEqual(calls.at(-1), ["send", ""]);
  p.setChips([]);
  assert.equal(p.el.all("chat-chip").length, 0);
  p.el.find("chat-input").fire("keydown", { key: "Enter" });
  assert.deepEqual(calls.at(-1), ["send", ""], "without files an empty composer sends nothing");
  assert.equal(calls.filter((c) => c[0] === "send").length, 1);
});
