// The chat panel's pure parts (docs/sdk.md, "Chat"): the messages of the
// person's support conversation as the API sends them, reading the live
// events defensively, keeping the list in order, unread counts, who is
// typing, and which links a button may open. Nothing here touches the DOM,
// so it is tested in node (chat.test.mjs).

import type { Attachment, Block, Button, Ref } from "../shared/chatwire";
export type { Ref, Button, Block, Attachment };

/** A message (botapi.Message on the wire), or a notice shown to this person only (notice: true). */
export interface Message {
  id: string;
  seq: number;
  author?: Ref;
  text?: string;
  blocks?: Block[];
  attachments?: Attachment[];
  createdAt?: string;
  editedAt?: string;
  notice?: boolean;
}

/** The person's support conversation and the token that proves it is theirs. */
export interface Conv {
  id: string;
  token: string;
}

/** A live event of the conversation's WebSocket, as far as the panel uses it. */
export type ChatEvent =
  | { type: "message"; message: Message }
  | { type: "typing"; account: string; name: string }
  | { type: "notice"; message: Message }
  | { type: "conversation" }
  | { type: "resync" };

/** The account of the person of conversation id. */
export function selfAccount(id: string): string {
  return "person:" + id;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function list<T>(v: unknown, f: (x: unknown) => T | null): T[] {
  const out: T[] = [];
  if (Array.isArray(v)) for (const x of v) {
    const y = f(x);
    if (y) out.push(y);
  }
  return out;
}

function button(v: unknown): Button | null {
  const b = v as Record<string, unknown> | null;
  if (!b || typeof b !== "object" || !str(b.label)) return null;
  return { id: str(b.id), label: str(b.label), url: str(b.url), style: str(b.style) };
}

function block(v: unknown): Block | null {
  const b = v as Record<string, unknown> | null;
  if (!b || typeof b !== "object" || !str(b.type)) return null;
  return {
    type: str(b.type),
    text: str(b.text),
    fields: list(b.fields, (f) => (typeof f === "string" ? f : null)),
    imageUrl: str(b.imageUrl),
    altText: str(b.altText),
    buttons: list(b.buttons, button),
  };
}

function attachment(v: unknown): Attachment | null {
  const a = v as Record<string, unknown> | null;
  if (!a || typeof a !== "object" || !str(a.id)) return null;
  return { id: str(a.id), name: str(a.name) || "file", contentType: str(a.contentType), size: Number(a.size) || 0 };
}

/** Reads a message of the API, or null if it is not one. Only the fields the panel shows are kept, with their types checked. */
export function parseMessage(v: unknown): Message | null {
  const m = v as Record<string, unknown> | null;
  if (!m || typeof m !== "object" || !str(m.id)) return null;
  const a = m.author as Record<string, unknown> | null;
  return {
    id: str(m.id),
    seq: Number(m.seq) || 0,
    author: a && typeof a === "object" && str(a.account) ? { account: str(a.account), name: str(a.name) } : undefined,
    text: str(m.text),
    blocks: list(m.blocks, block),
    attachments: list(m.attachments, attachment),
    createdAt: str(m.createdAt),
    editedAt: str(m.editedAt),
  };
}

/**
 * Reads one text frame of the conversation's WebSocket. Events of other
 * conversations, unknown types and malformed frames give null. A notice
 * becomes a message of this person's eyes only, placed after seq.
 */
export function parseEvent(text: string, conversationId: string, seq: number, n: number): ChatEvent | null {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(text);
  } catch {
    return null;
  }
  if (!e || typeof e !== "object") return null;
  if (e.conversationId !== undefined && e.conversationId !== conversationId) return null;
  switch (e.type) {
    case "message":
    case "message.replaced": {
      const m = parseMessage(e.message);
      return m ? { type: "message", message: m } : null;
    }
    case "typing":
      return str(e.account) ? { type: "typing", account: str(e.account), name: str(e.name) } : null;
    case "notice": {
      const blocks = list(e.blocks, block);
      if (!str(e.text) && !blocks.length) return null;
      return { type: "notice", message: { id: "notice-" + n, seq, text: str(e.text), blocks, notice: true } };
    }
    case "conversation":
      return { type: "conversation" };
    case "resync":
      // Events may have been lost between the server's nodes.
      return { type: "resync" };
  }
  return null;
}

/**
 * Returns list with m added, or in place of the message with its id (a
 * replaced message, or one that came both as the answer to posting it and
 * live), ordered by seq. Notices stay where they were put.
 */
export function merge(list: Message[], m: Message): Message[] {
  const out = list.filter((x) => x.id !== m.id);
  let i = out.length;
  while (i > 0 && !m.notice && out[i - 1].seq > m.seq) i--;
  out.splice(i, 0, m);
  return out;
}

/** The newest stored message's seq (0 for none). */
export function lastSeq(list: Message[]): number {
  let s = 0;
  for (const m of list) if (!m.notice && m.seq > s) s = m.seq;
  return s;
}

/** Counts the messages of others after lastRead. */
export function unreadCount(list: Message[], self: string, lastRead: number): number {
  let n = 0;
  for (const m of list) if (!m.notice && m.seq > lastRead && (!m.author || m.author.account !== self)) n++;
  return n;
}

/** How the panel names a message's author: "You", the display name or "Support", and whether it is a bot. */
export function authorOf(m: Message, self: string): { name: string; bot: boolean; self: boolean } {
  const acc = m.author ? m.author.account : "";
  if (acc === self) return { name: "You", bot: false, self: true };
  const bot = acc.indexOf("bot:") === 0;
  return { name: (m.author && m.author.name) || (bot ? "Bot" : "Support"), bot, self: false };
}

/** Returns url if it is an absolute http or https URL, else "": the only links a button opens. */
export function safeURL(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : "";
  } catch {
    return "";
  }
}

/**
 * Returns the invite token of a link to an invite on this site
 * (page#tandem-invite=TOKEN on the origin of page), else "": such a
 * button joins the assist in place instead of opening the link.
 */
export function inviteToken(url: string, page: string): string {
  const safe = safeURL(url);
  if (!safe) return "";
  const u = new URL(safe);
  if (u.origin !== new URL(page).origin) return "";
  const m = /[#&]tandem-invite=([^&]+)/.exec(u.hash);
  if (!m) return "";
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return "";
  }
}

/** Whether an attachment of this type is shown as an image (the types the server serves inline). */
export function isImage(contentType: string): boolean {
  return /^image\/(png|jpeg|gif|webp)$/i.test(contentType.split(";")[0].trim());
}

/** How long a typing event shows, and how often the person's typing is sent. */
export const typingShowMs = 6000;
export const typingSendMs = 3000;

/** Who is typing: the last time each account was seen typing, and its name. */
export class Typing {
  private seen = new Map<string, { name: string; at: number }>();

  /** Notes that account (named name) typed at now. */
  see(account: string, name: string, now: number): void {
    this.seen.set(account, { name: name || "Someone", at: now });
  }

  /** Forgets account: its message arrived. */
  stop(account: string): void {
    this.seen.delete(account);
  }

  /** The names of those who typed within typingShowMs of now. */
  names(now: number): string[] {
    const out: string[] = [];
    this.seen.forEach((v, k) => {
      if (now - v.at < typingShowMs) out.push(v.name);
      else this.seen.delete(k);
    });
    return out.sort();
  }
}

/** What the panel says about who is typing ("" for nobody). */
export function typingText(names: string[]): string {
  if (!names.length) return "";
  if (names.length === 1) return names[0] + " is typing…";
  return names.slice(0, -1).join(", ") + " and " + names[names.length - 1] + " are typing…";
}

/** The wait before reconnecting after attempt failures in a row: 1 s, 2 s, 4 s… at most 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(30000, 1000 * Math.pow(2, Math.min(attempt, 5)));
}

/** A size for people: "532 B", "12 KB", "3.4 MB". */
export function sizeText(n: number): string {
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return Math.round(n / 1024) + " KB";
  return (n / 1024 / 1024).toFixed(1) + " MB";
}

/** The server's limits on what a message carries (docs/conversations.md, "Attachments"). */
export const maxAttachments = 10;
export const maxAttachmentBytes = 10 * 1024 * 1024;

/** A file the person attached to the next message: uploading, or uploaded (id set). */
export interface Pending {
  key: number;
  name: string;
  size: number;
  id?: string;
}

/**
 * The files the person attached to the next message, as chips: each is
 * uploaded at once and sent with the next message. Files over the server's
 * limits are refused here with a clear error, before any upload.
 */
export class Uploads {
  private items: Pending[] = [];
  private next = 1;

  /** The chips, in the order the files were chosen. */
  list(): Pending[] {
    return this.items.slice();
  }

  /** Adds the files that fit, each with its chip; refused gives an error text for the others ("" for none). */
  add<F extends { name: string; size: number }>(files: F[]): { added: [Pending, F][]; refused: string } {
    const added: [Pending, F][] = [];
    const big: string[] = [];
    const empty: string[] = [];
    let over = 0;
    for (const f of files) {
      if (f.size > maxAttachmentBytes) big.push(f.name);
      else if (!f.size) empty.push(f.name);
      else if (this.items.length >= maxAttachments) over++;
      else {
        const p = { key: this.next++, name: f.name || "file", size: f.size };
        this.items.push(p);
        added.push([p, f]);
      }
    }
    const refused: string[] = [];
    const are = (l: string[]) => l.join(", ") + (l.length > 1 ? " are" : " is");
    if (big.length) refused.push(are(big) + " too large: a file is at most " + sizeText(maxAttachmentBytes) + ".");
    if (empty.length) refused.push(are(empty) + " empty.");
    if (over) refused.push("A message carries at most " + maxAttachments + " files.");
    return { added, refused: refused.join(" ") };
  }

  /** The upload of key finished with attachment id; false if the chip was removed meanwhile. */
  uploaded(key: number, id: string): boolean {
    const p = this.items.find((x) => x.key === key);
    if (p) p.id = id;
    return !!p;
  }

  /** Removes a chip (the person removed it, or its upload failed). */
  remove(key: number): void {
    this.items = this.items.filter((x) => x.key !== key);
  }

  /** Whether a file is still uploading. */
  busy(): boolean {
    return this.items.some((x) => !x.id);
  }

  /** The uploaded files' ids, for the next message. */
  ids(): string[] {
    const out: string[] = [];
    for (const p of this.items) if (p.id) out.push(p.id);
    return out;
  }

  /** Forgets the chips of ids (their message was sent). */
  sent(ids: string[]): void {
    this.items = this.items.filter((x) => !x.id || ids.indexOf(x.id) < 0);
  }

  /** Forgets every chip (another conversation). */
  clear(): void {
    this.items = [];
  }
}

/** What the panel says when the server refused an upload of name: its error JSON's message, or a general line. */
export function uploadError(name: string, status: number, body: unknown): string {
  const e = body && typeof body === "object" ? (body as { error?: { code?: unknown; message?: unknown } }).error : undefined;
  const code = e && typeof e.code === "string" ? e.code : "";
  const msg = e && typeof e.message === "string" ? e.message : "";
  if (code === "rate_limited" || status === 429) return "You are sending too fast. Please wait a moment.";
  if (code === "too_large" || status === 413) return name + " is too large" + (msg ? ": " + msg : "") + ".";
  if (msg && (status === 400 || status === 415 || status === 422)) return name + " was refused: " + msg + ".";
  return name + " could not be attached. Please try again.";
}
