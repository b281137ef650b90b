// The directory of colleagues: the console's users (GET /users) and the
// bots one can add, merged into the options of the member pickers of the
// new-conversation and add-member dialogs. Pure but for usersApi.

import { call } from "../../shared/api";
import type { Bot } from "../bots/api";
import { query } from "./api";

/** A console user as the directory shows them. */
export interface DirectoryUser {
  account: string; // "user:ID"
  name: string;
  email: string;
  handle: string;
}

/** One choice of a member picker: a user or a bot. */
export interface AccountOption {
  account: string; // "user:ID" or "bot:ID"
  kind: "user" | "bot";
  name: string;
  detail: string; // the email, or the bot's description
  recommended?: boolean;
}

/** How many users a search asks for: what a list under an input shows. */
export const searchLimit = 20;

/** How long typing pauses before the directory is asked, in milliseconds. */
export const searchDelayMs = 200;

export const usersApi = {
  search: (q: string, limit = searchLimit) =>
    call<{ users: DirectoryUser[] | null }>("GET", `/users${query({ q: q.trim() || undefined, limit: String(limit) })}`).then((r) => r.users ?? []),
};

/** Reports whether text is an account typed by hand: "user:ID" or "bot:ID". */
export function typedAccount(text: string): string | null {
  const t = text.trim();
  return /^(user|bot):[A-Za-z0-9_.-]{1,64}$/.test(t) ? t : null;
}

/**
 * Returns the accounts typed (or pasted) by hand, separated by commas,
 * spaces or lines, each once; null unless every part is one.
 */
export function typedAccounts(text: string): string[] | null {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (!parts.length || parts.some((x) => !typedAccount(x))) return null;
  return [...new Set(parts)];
}

/**
 * Returns the options for what was typed: the users the directory found
 * (already filtered by the server), then the bots whose name or description
 * contains the query (ignoring case); accounts in exclude (members, chosen
 * ones, oneself) are left out, and each account appears once.
 */
export function accountOptions(users: readonly DirectoryUser[], bots: readonly Bot[], q: string, exclude: readonly string[] = []): AccountOption[] {
  const seen = new Set(exclude);
  const needle = q.trim().toLowerCase();
  const out: AccountOption[] = [];
  const add = (o: AccountOption) => {
    if (seen.has(o.account)) return;
    seen.add(o.account);
    out.push(o);
  };
  for (const u of users) add({ account: u.account, kind: "user", name: u.name || u.email, detail: u.email });
  for (const b of bots) {
    const hit = !needle || b.name.toLowerCase().includes(needle) || (b.description ?? "").toLowerCase().includes(needle);
    if (hit) add({ account: `bot:${b.id}`, kind: "bot", name: b.name, detail: b.description ?? "", recommended: b.recommended });
  }
  return out;
}
