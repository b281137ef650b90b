// The conversations API as the console calls it (docs/api.md,
// "Conversations"): the JSON shapes and one function per route.

import { call } from "../../shared/api";
import type { Attachment, Block, Button, Ref } from "../../shared/chatwire";
export type { Ref, Button, Block, Attachment };

/** A message. */
export interface Message {
  id: string;
  conversationId?: string;
  seq: number;
  author?: Ref;
  text?: string;
  mentions?: string[];
  blocks?: Block[];
  attachments?: Attachment[];
  createdAt?: string;
  editedAt?: string;
}

/** The kinds of conversation. */
export type ConversationKind = "direct" | "group" | "support";

/** A conversation. */
export interface Conversation {
  id: string;
  kind: ConversationKind;
  name?: string;
  avatarUrl?: string;
  description?: string;
  siteId?: string;
  assistId?: string;
  queued?: boolean;
  summary?: string;
  createdAt?: string;
  updatedAt?: string;
  lastSeq?: number;
  lastMessageAt?: string;
}

/** A row of the conversations list. */
export interface Summary {
  conversation: Conversation;
  unread: number;
  last: Message | null;
}

/** A member of a conversation. */
export interface Member {
  account: string;
  kind: "user" | "bot" | "person";
  name: string;
  avatarUrl?: string;
  /** What @-mentions of this member use, when the server says. */
  handle?: string;
  granted?: string[];
  lastRead?: number;
}

/** GET /conversations/{id}. */
export interface Details {
  conversation: Conversation;
  members: Member[];
  lastRead: number;
}

/** A slash command offered in a conversation by one of its bots. */
export interface CommandInfo {
  botId: string;
  botName: string;
  name: string;
  description?: string;
  hint?: string;
}

/** An event of the conversations WebSocket. */
export type ChatEvent =
  | { type: "message"; conversationId: string; message: Message }
  | { type: "message.replaced"; conversationId: string; message: Message }
  | { type: "conversation"; conversation: Conversation }
  | { type: "typing"; conversationId: string; account: string; name?: string }
  | { type: "read"; conversationId: string; account: string; seq: number }
  | { type: "notice"; conversationId: string; messageId?: string; text?: string; blocks?: Block[] };

const enc = encodeURIComponent;
const conv = (id: string) => `/conversations/${enc(id)}`;

/** The largest attachment the server takes. */
export const maxAttachmentBytes = 10 << 20;

/** The attachment's address: the one the server gave, or the route that serves it. */
export function attachmentURL(conversationId: string, a: Attachment): string {
  return a.url || `/api/v1${conv(conversationId)}/attachments/${enc(a.id)}`;
}

/** The API calls of conversations. */
export const chatApi = {
  list: (after?: string, limit?: number) =>
    call<{ conversations: Summary[] | null; next?: string }>(
      "GET",
      `/conversations${query({ after, limit: limit ? String(limit) : undefined })}`,
    ),
  queue: () => call<{ conversations: Summary[] | null }>("GET", "/conversations?queue=1"),
  create: (kind: "direct" | "group", members: string[], name?: string, description?: string) =>
    call<Conversation>("POST", "/conversations", { kind, members, ...(name ? { name } : {}), ...(description ? { description } : {}) }),
  get: (id: string) => call<Details>("GET", conv(id)),
  update: (id: string, patch: { name?: string; description?: string; avatarUrl?: string }) => call<Conversation>("PATCH", conv(id), patch),
  take: (id: string) => call<unknown>("POST", `${conv(id)}/take`),
  messages: (id: string, o: { before?: number; after?: number; limit?: number } = {}) =>
    call<{ messages: Message[] | null; more?: boolean }>(
      "GET",
      `${conv(id)}/messages${query({ before: num(o.before), after: num(o.after), limit: num(o.limit) })}`,
    ),
  post: (id: string, text: string, clientId: string, attachments: string[] = []) =>
    call<Message>("POST", `${conv(id)}/messages`, { text, clientId, ...(attachments.length ? { attachments } : {}) }),
  upload: (id: string, file: File) => call<Attachment>("POST", `${conv(id)}/attachments?name=${enc(file.name)}`, file),
  read: (id: string, seq: number) => call<unknown>("POST", `${conv(id)}/read`, { seq }),
  typing: (id: string) => call<unknown>("POST", `${conv(id)}/typing`),
  addMember: (id: string, account: string, granted?: string[]) =>
    call<Member>("POST", `${conv(id)}/members`, { account, ...(granted ? { granted } : {}) }),
  removeMember: (id: string, account: string) => call<unknown>("DELETE", `${conv(id)}/members/${enc(account)}`),
  press: (id: string, messageId: string, buttonId: string) =>
    call<unknown>("POST", `${conv(id)}/messages/${enc(messageId)}/actions`, { buttonId }),
  commands: (id: string) => call<{ commands: CommandInfo[] | null }>("GET", `${conv(id)}/commands`),
  run: (id: string, name: string, text: string) => call<unknown>("POST", `${conv(id)}/commands`, { name, text }),
};

function num(n: number | undefined): string | undefined {
  return n === undefined ? undefined : String(n);
}

/** "?a=1&b=2" of the parameters that are set, or "". */
export function query(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${enc(k)}=${enc(v as string)}`);
  return parts.length ? "?" + parts.join("&") : "";
}
