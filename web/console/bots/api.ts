// The bots management API as the console calls it (docs/bots.md): the JSON
// shapes and one function per route.

import { call } from "../../shared/api";
import type { Conversation, Message } from "../chat/api";
import { query } from "../chat/api";

/** A bot. Owners (and admins) see every field; others the public ones (id, name, avatarUrl, description, scopes). */
export interface Bot {
  id: string;
  name: string;
  avatarUrl?: string;
  description?: string;
  scopes: string[];
  ownerId?: string;
  url?: string;
  interfaceUrl?: string;
  recommended?: boolean;
  tokenId?: string;
  /** Whether the bot has a token (false once revoked); owners only. */
  active?: boolean;
  /** What Tandem signs its requests to the bot with; owners only. */
  signingSecret?: string;
  createdAt?: string;
}

/** What creating a bot answers: the token and signing secret are shown this once. */
export interface CreatedBot {
  bot: Bot;
  token: string;
  signingSecret?: string;
}

/** The fields of a bot its owner sets. */
export interface BotFields {
  name: string;
  description?: string;
  avatarUrl?: string;
  url: string;
  interfaceUrl?: string;
  scopes: string[];
}

/** A slash command of a bot. */
export interface BotCommand {
  id: string;
  botId?: string;
  name: string;
  description?: string;
  hint?: string;
  url?: string;
  createdAt?: string;
}

/** A bot's incoming webhook in one conversation. */
export interface BotHook {
  id: string;
  conversation: Conversation | string;
  url: string;
}

/** The states of a delivery. */
export type DeliveryState = "pending" | "delivered" | "dead";

/** One request Tandem owes a bot. */
export interface Delivery {
  id: string;
  botId?: string;
  kind: string;
  conversationId?: string;
  messageId?: string;
  url?: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt?: string;
  lastStatus?: number;
  lastError?: string;
  createdAt?: string;
  doneAt?: string;
  payload?: unknown;
}

/** One try of a delivery. */
export interface DeliveryAttempt {
  n: number;
  at: string;
  status?: number;
  error?: string;
  /** How long it took: durationMs, or Go's duration in nanoseconds as duration. */
  durationMs?: number;
  duration?: number;
}

/** A refused instruction of a previewed answer, or the reason an answer cannot be read. */
export type PreviewError = string | { index?: number; type?: string; reason?: string; message?: string };

const enc = encodeURIComponent;
const bot = (id: string) => `/bots/${enc(id)}`;

/** The API calls of bots. */
export const botsApi = {
  list: () => call<{ mine: Bot[] | null; inMyConversations: Bot[] | null; recommended: Bot[] | null }>("GET", "/bots"),
  create: (f: BotFields) => call<CreatedBot>("POST", "/bots", f),
  get: (id: string) => call<Bot>("GET", bot(id)),
  update: (id: string, f: Partial<BotFields> & { recommended?: boolean }) => call<Bot>("PATCH", bot(id), f),
  remove: (id: string) => call<unknown>("DELETE", bot(id)),
  newToken: (id: string) => call<{ token: string; tokenId?: string }>("POST", `${bot(id)}/token`),
  revoke: (id: string) => call<unknown>("DELETE", `${bot(id)}/token`),
  commands: (id: string) => call<{ commands: BotCommand[] | null }>("GET", `${bot(id)}/commands`),
  addCommand: (id: string, c: Omit<BotCommand, "id">) => call<BotCommand>("POST", `${bot(id)}/commands`, c),
  removeCommand: (id: string, commandId: string) => call<unknown>("DELETE", `${bot(id)}/commands/${enc(commandId)}`),
  preview: (answer: unknown) => call<{ messages: Message[] | null; errors: PreviewError[] | null }>("POST", "/bots/preview", { answer }),
  hooks: (id: string) => call<{ hooks: BotHook[] | null }>("GET", `${bot(id)}/hooks`),
  removeHook: (id: string, hookId: string) => call<unknown>("DELETE", `${bot(id)}/hooks/${enc(hookId)}`),
  deliveries: (id: string, state?: DeliveryState) =>
    call<{ deliveries: Delivery[] | null }>("GET", `${bot(id)}/deliveries${query({ state })}`),
  delivery: (id: string, deliveryId: string) =>
    call<{ delivery?: Delivery; attempts?: DeliveryAttempt[] | null } & Partial<Delivery>>("GET", `${bot(id)}/deliveries/${enc(deliveryId)}`),
  retry: (id: string, deliveryId: string) => call<unknown>("POST", `${bot(id)}/deliveries/${enc(deliveryId)}/retry`),
};

/** A bot read from GET /bots/{id}, which may answer the bot or {bot}. */
export function unwrapBot(v: Bot | { bot: Bot }): Bot {
  return "bot" in v && v.bot ? v.bot : (v as Bot);
}

/** A preview error as one line of text. */
export function previewErrorText(e: PreviewError): string {
  if (typeof e === "string") return e;
  const where = e.index !== undefined ? `Instruction ${e.index + 1}${e.type ? ` (${e.type})` : ""}: ` : e.type ? `${e.type}: ` : "";
  return where + (e.reason ?? e.message ?? JSON.stringify(e));
}

/** The name of a hook's conversation, or its id. */
export function hookConversation(h: BotHook): { id: string; name: string } {
  if (typeof h.conversation === "string") return { id: h.conversation, name: h.conversation };
  const c = h.conversation;
  return { id: c?.id ?? "", name: c?.name || (c?.kind === "direct" ? "Direct conversation" : c?.id ?? "") };
}

/** How long an attempt took, in milliseconds, or undefined. */
export function attemptMs(a: DeliveryAttempt): number | undefined {
  if (a.durationMs !== undefined) return a.durationMs;
  if (a.duration !== undefined) return Math.round(a.duration / 1e6);
  return undefined;
}

/** Lists the bots the user can add: theirs, those in their conversations, the recommended ones; each once. */
export function addableBots(r: { mine: Bot[] | null; inMyConversations: Bot[] | null; recommended: Bot[] | null }, members: readonly { account: string }[]): Bot[] {
  const seen = new Set(members.map((m) => m.account));
  const out: Bot[] = [];
  for (const b of [...(r.mine ?? []), ...(r.inMyConversations ?? []), ...(r.recommended ?? [])]) {
    if (seen.has(`bot:${b.id}`)) continue;
    seen.add(`bot:${b.id}`);
    out.push(b);
  }
  return out;
}
