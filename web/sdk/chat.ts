// The chat panel (chat.js): the person's support conversation, loaded by
// the loader (chat-host.ts) once the person chats or a help request made a
// conversation. It makes the conversation if there is none
// (POST /api/v1/public/conversations), loads its history, follows it live
// over the conversation's WebSocket (reconnecting, and filling the gap from
// the last seq it has), posts what the person writes with the files they
// attached (each uploaded once chosen), says who is typing,
// counts unread messages while closed, and runs buttons: a link opens in a
// new tab (http and https only), an invite link to this site joins the
// assist in place, a callback goes to the bot. docs/sdk.md, "Chat".

import {
  inviteToken,
  lastSeq,
  merge,
  parseEvent,
  parseMessage,
  reconnectDelay,
  safeURL,
  selfAccount,
  Typing,
  typingSendMs,
  typingShowMs,
  typingText,
  unreadCount,
  uploadError,
  Uploads,
  type Attachment,
  type Button,
  type Conv,
  type Message,
} from "./chat-model";
import { ChatPanel, css } from "./chat-panel";
import { el } from "./panel";
import type { ChatHandle, ChatHost } from "./types";

// WebSocket close codes that mean the token no longer opens this
// conversation: reconnecting will not help (shared/protocol.ts).
const finalCodes = [4401, 4403, 4404];
const pageSize = 50;
const maxText = 8000;

class Chat implements ChatHandle {
  private conv: Conv | null;
  private msgs: Message[] = [];
  private panel: ChatPanel;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retry = 0;
  private isOpen = false;
  private typing = new Typing();
  private typingTimer = 0;
  private typingSent = 0;
  private notices = 0;
  private creating: Promise<Conv> | null = null;
  private uploads = new Uploads();
  // Bumped when the conversation changes: answers for the old one are dropped.
  private gen = 0;

  constructor(private h: ChatHost) {
    h.root.append(el("style", {}, css));
    this.conv = h.conversation();
    this.panel = new ChatPanel(
      {
        send: (t) => void this.send(t),
        typing: () => this.sendTyping(),
        more: () => void this.older(),
        close: () => this.close(),
        press: (m, b) => void this.press(m, b),
        attachment: (a, img) => void this.attachment(a, img),
        attach: (files) => this.attach(files),
        unattach: (key) => {
          this.uploads.remove(key);
          this.panel.setChips(this.uploads.list());
        },
      },
      this.self(),
    );
    if (this.conv) this.connect();
    document.addEventListener("visibilitychange", () => this.counts());
  }

  private self(): string {
    return this.conv ? selfAccount(this.conv.id) : "";
  }

  private path(rest = ""): string {
    return "/api/v1/public/conversations/" + encodeURIComponent((this.conv as Conv).id) + rest;
  }

  private call(method: string, rest: string, body?: unknown): Promise<any> {
    return this.h.api(method, this.path(rest), body, (this.conv as Conv).token);
  }

  open(): void {
    this.isOpen = true;
    if (!this.panel.el.isConnected) this.h.slot.append(this.panel.el);
    this.panel.focus();
    if (!this.conv) this.create().catch(() => undefined);
    this.seen();
  }

  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.panel.el.remove();
    this.h.closed();
  }

  changed(): void {
    const c = this.h.conversation();
    if (c && this.conv && c.id === this.conv.id && c.token === this.conv.token) return;
    this.stop();
    // Files chosen before the conversation was made go to the one made for them.
    if (this.conv) {
      this.uploads.clear();
      this.panel.setChips([]);
    }
    this.conv = c;
    this.msgs = [];
    this.panel.reset(this.self());
    this.counts();
    if (c) this.connect();
  }

  // create makes the person's conversation on this site (once, however often asked).
  private create(): Promise<Conv> {
    if (!this.creating) {
      this.creating = this.h.api("POST", "/api/v1/public/conversations", { siteKey: this.h.siteKey, personId: this.h.personId() }).then(
        (r) => {
          const c = { id: String(r.conversationId || ""), token: String(r.personToken || "") };
          if (!c.id || !c.token) throw new Error("no conversation in the answer");
          this.h.setConversation(c);
          this.changed();
          return c;
        },
        (e) => {
          this.creating = null;
          this.panel.setError("The chat is not available right now. Please try again.");
          throw e;
        },
      );
    }
    return this.creating;
  }

  private stop(): void {
    this.gen++;
    clearTimeout(this.retry);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
    }
    this.ws = null;
  }

  // connect opens the live events, then loads what was missed.
  private connect(): void {
    if (!this.conv) return;
    const gen = this.gen;
    const ws = new WebSocket(this.h.base.replace(/^http/, "ws") + this.path("/ws?token=" + encodeURIComponent(this.conv.token)));
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.panel.setError("");
      void this.load(gen);
    };
    ws.onmessage = (e) => {
      if (gen === this.gen && typeof e.data === "string") this.event(e.data);
    };
    ws.onclose = (e) => {
      if (gen !== this.gen) return;
      this.ws = null;
      if (finalCodes.indexOf(e.code) >= 0) {
        this.panel.setError("This chat is no longer available.");
        this.h.setConversation(null);
        this.conv = null;
        this.creating = null;
        return;
      }
      this.retry = window.setTimeout(() => {
        if (gen === this.gen) this.connect();
      }, reconnectDelay(this.attempt++));
    };
  }

  // load fetches the history: the newest page at first, then whatever
  // came after the newest message it has (after a reconnection).
  private async load(gen: number): Promise<void> {
    try {
      let after = lastSeq(this.msgs);
      for (let pages = 0; pages < 20; pages++) {
        const r = await this.call("GET", "/messages?limit=" + pageSize + (after ? "&after=" + after : ""));
        if (gen !== this.gen) return;
        const got = this.take(r.messages);
        if (!after) this.panel.setMore(!!r.more);
        const next = lastSeq(this.msgs);
        if (!after || !r.more || !got || next <= after) break;
        after = next;
      }
    } catch (e) {
      if (gen === this.gen) this.panel.setError("Could not load the messages. Please try again.");
    }
  }

  private async older(): Promise<void> {
    const first = this.msgs.find((m) => !m.notice);
    if (!first) return;
    const gen = this.gen;
    try {
      const r = await this.call("GET", "/messages?limit=" + pageSize + "&before=" + first.seq);
      if (gen !== this.gen) return;
      this.take(r.messages);
      this.panel.setMore(!!r.more);
    } catch {
      this.panel.setError("Could not load the messages. Please try again.");
    }
  }

  // take shows messages of an answer; it returns how many there were.
  private take(list: unknown): number {
    let n = 0;
    if (Array.isArray(list)) for (const v of list) {
      const m = parseMessage(v);
      if (m) {
        this.add(m, false);
        n++;
      }
    }
    if (n) this.counts();
    return n;
  }

  // add shows m; count: update the unread count (or mark it read) now.
  private add(m: Message, count = true): void {
    this.msgs = merge(this.msgs, m);
    this.panel.show(m);
    if (m.author && this.typing.names(Date.now()).length) {
      this.typing.stop(m.author.account);
      this.showTyping();
    }
    if (count) this.counts();
  }

  private event(text: string): void {
    const c = this.conv as Conv;
    const e = parseEvent(text, c.id, lastSeq(this.msgs), this.notices);
    if (!e) return;
    switch (e.type) {
      case "message":
        this.add(e.message);
        break;
      case "notice":
        this.notices++;
        this.add(e.message);
        break;
      case "resync":
        void this.load(this.gen);
        break;
      case "typing":
        if (e.account === this.self()) return;
        this.typing.see(e.account, e.name, Date.now());
        this.showTyping();
        break;
    }
  }

  private showTyping(): void {
    this.panel.setTyping(typingText(this.typing.names(Date.now())));
    clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => this.panel.setTyping(typingText(this.typing.names(Date.now()))), typingShowMs);
  }

  // counts tells the launcher how many messages are unread, or marks them
  // read while the panel is open and the page is visible.
  private counts(): void {
    if (this.isOpen && document.visibilityState !== "hidden") this.seen();
    else this.h.unread(unreadCount(this.msgs, this.self(), this.h.lastRead()));
  }

  private seen(): void {
    this.h.unread(0);
    const s = lastSeq(this.msgs);
    if (!this.conv || s <= this.h.lastRead()) return;
    this.h.setLastRead(s);
    this.call("POST", "/read", { seq: s }).catch(() => undefined);
  }

  private async send(text: string): Promise<void> {
    if (new TextEncoder().encode(text).length > maxText) {
      this.panel.setError("That message is too long.");
      this.panel.restore(text);
      return;
    }
    if (this.uploads.busy()) {
      this.panel.setError("Please wait until your files are uploaded.");
      this.panel.restore(text);
      return;
    }
    const attachments = this.uploads.ids();
    if (!text && !attachments.length) return;
    try {
      if (!this.conv) await this.create();
      const m = parseMessage(await this.call("POST", "/messages", { text, attachments, clientId: randomId() }));
      this.uploads.sent(attachments);
      this.panel.setChips(this.uploads.list());
      this.panel.setError("");
      if (m) this.add(m);
    } catch (e) {
      this.panel.setError(errorText(e, "Your message was not sent. Please try again."));
      this.panel.restore(text);
    }
  }

  // attach uploads the files the person chose, each shown as a chip until
  // it is sent or removed; a refused file says why and leaves no chip.
  private attach(files: File[]): void {
    const { added, refused } = this.uploads.add(files);
    this.panel.setError(refused);
    this.panel.setChips(this.uploads.list());
    for (const [p, f] of added) void this.upload(p.key, f);
  }

  private async upload(key: number, f: File): Promise<void> {
    let gen = this.gen;
    let error = "";
    try {
      // The first file may make the conversation (which starts a new generation).
      if (!this.conv) {
        await this.create();
        gen = this.gen;
      }
      const c = this.conv as Conv | null;
      if (!c) throw new Error("no conversation");
      const res = await this.h.fetch(this.h.base + this.path("/attachments?name=" + encodeURIComponent(f.name || "file")), {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { Authorization: "Bearer " + c.token, "Content-Type": f.type || "application/octet-stream" },
        body: f,
      });
      const body = await res.json().catch(() => ({}));
      if (gen !== this.gen) return;
      if (res.ok && body && typeof body.id === "string" && body.id) this.uploads.uploaded(key, body.id);
      else error = uploadError(f.name, res.status, body);
    } catch {
      error = f.name + " could not be attached. Please try again.";
    }
    if (gen !== this.gen) return;
    if (error) {
      this.uploads.remove(key);
      this.panel.setError(error);
    }
    this.panel.setChips(this.uploads.list());
  }

  private sendTyping(): void {
    const now = Date.now();
    if (!this.conv || now - this.typingSent < typingSendMs) return;
    this.typingSent = now;
    this.call("POST", "/typing").catch(() => undefined);
  }

  private async press(m: Message, b: Button): Promise<void> {
    if (b.url) {
      const token = inviteToken(b.url, location.href);
      if (token) {
        this.h.redeem(token);
        return;
      }
      const url = safeURL(b.url);
      if (url) window.open(url, "_blank", "noopener,noreferrer");
      return;
    }
    if (!b.id || !this.conv) return;
    try {
      await this.call("POST", "/messages/" + encodeURIComponent(m.id) + "/actions", { buttonId: b.id });
      this.panel.setError("");
    } catch (e) {
      this.panel.setError(errorText(e, "That did not work. Please try again."));
    }
  }

  // attachment fetches a file with the person token (an img cannot send
  // it), shows an image from the bytes, or saves a file.
  private async attachment(a: Attachment, img: HTMLImageElement | null): Promise<void> {
    if (!this.conv) return;
    try {
      const res = await this.h.fetch(this.h.base + this.path("/attachments/" + encodeURIComponent(a.id)), {
        mode: "cors",
        credentials: "omit",
        headers: { Authorization: "Bearer " + this.conv.token },
      });
      if (!res.ok) throw new Error("status " + res.status);
      const url = URL.createObjectURL(await res.blob());
      if (img) {
        img.src = url;
        return;
      }
      const link = el("a", { href: url, download: a.name });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch {
      this.panel.setError("Could not load " + a.name + ".");
    }
  }
}

function errorText(e: unknown, fallback: string): string {
  const code = e && typeof e === "object" ? (e as { code?: string }).code : "";
  return code === "rate_limited" ? "You are sending too fast. Please wait a moment." : fallback;
}

function randomId(): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

window.__tandemChat = { start: (h) => new Chat(h) };
