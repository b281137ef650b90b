// The loader's side of the chat panel (docs/sdk.md, "Chat"). The panel is
// chat.js, a bundle of its own, loaded only once the person has a
// conversation (kept for the tab in sessionStorage, so it carries on from
// page to page) or opens the chat: pages where nobody chats load nothing
// more. The loader keeps the conversation, shows the launcher ("Chat", with
// the unread count while the panel is closed) and hands the panel what it
// needs (types.ts, ChatHost). A help request carries the conversation, or
// gets one (help.ts).

import { loadBundle } from "./bundle";
import { base, button, chatPath, siteKey } from "./config";
import { emit } from "./events";
import { redeem } from "./help";
import { api, nativeFetch } from "./http";
import { el } from "./panel";
import { personId } from "./person";
import { siteLoaded } from "./site";
import { ui } from "./state";
import { ss } from "./storage";
import type { ChatHandle, ChatHost } from "./types";

/** What the tab keeps of the chat: the conversation, what was read, and whether the panel is open. */
interface Saved {
  id?: string;
  token?: string;
  read?: number;
  open?: boolean;
}

let saved: Saved = {};
let chat: Promise<ChatHandle> | null = null;
let unread = 0;
// The launcher and the panel's place, made on first use (ui exists by then).
let launcher: HTMLElement | null = null;
let slot: HTMLElement | null = null;

function key(): string {
  return "tandem.chat." + siteKey;
}

function save(): void {
  ss.set(key(), JSON.stringify(saved));
}

/** The conversation a help request joins, as its fields ({} while the person has none). */
export function chatLink(): { conversationId?: string; conversationToken?: string } {
  return saved.id && saved.token ? { conversationId: saved.id, conversationToken: saved.token } : {};
}

/** Keeps the conversation a help request made or joined, and starts the panel (closed) so that its messages count as unread. */
export function useConversation(id: unknown, token: unknown): void {
  if (typeof id !== "string" || typeof token !== "string" || !id || !token) return;
  if (saved.id === id && saved.token === token) return;
  saved = { id, token, open: saved.open };
  save();
  start().then(
    (c) => c.changed(),
    () => undefined,
  );
}

/** Tandem.openChat: shows the chat panel, making the conversation if need be. */
export function openChat(): Promise<void> {
  saved.open = true;
  save();
  renderLauncher();
  return start().then(
    (c) => c.open(),
    (e) => {
      saved.open = false;
      save();
      renderLauncher();
      emit("error", { message: "The chat could not be opened.", code: "chat", cause: String(e) });
    },
  );
}

/** At start: takes up this tab's conversation, if any, with the panel open if it was. */
export function resumeChat(): void {
  try {
    saved = JSON.parse(ss.get(key()) || "{}") || {};
  } catch {
    saved = {};
  }
  if (saved.id) {
    start().then(
      (c) => {
        if (saved.open) c.open();
      },
      () => undefined,
    );
  } else saved.open = false;
  renderLauncher();
}

/** Shows the launcher while the panel is closed: with the default control, or once the person has a conversation. */
export function renderLauncher(): void {
  const show = !saved.open && ((button && siteLoaded) || !!saved.id);
  if (!ui || (!show && !launcher)) return;
  place();
  ui.attach();
  const l = launcher as HTMLElement;
  l.hidden = !show;
  l.setAttribute("aria-label", unread ? "Chat, " + unread + " unread" : "Chat");
  l.replaceChildren("Chat", ...(unread ? [el("span", { class: "n", "data-tandem-ui": "chat-unread", "aria-hidden": "true" }, String(unread))] : []));
}

function place(): void {
  if (launcher) return;
  slot = el("div", { class: "s" });
  launcher = el("button", { type: "button", "data-tandem-ui": "chat", class: "launch" });
  launcher.addEventListener("click", (e) => {
    e.preventDefault();
    void openChat();
  });
  ui.chat.append(slot, launcher);
}

function start(): Promise<ChatHandle> {
  if (!chat) {
    chat = loadBundle(chatPath, () => window.__tandemChat).then((mod) => {
      place();
      ui.attach();
      return mod.start(host());
    });
    chat.catch(() => (chat = null));
  }
  return chat;
}

function host(): ChatHost {
  return {
    base,
    siteKey,
    slot: slot as HTMLElement,
    root: ui.root,
    conversation: () => (saved.id && saved.token ? { id: saved.id, token: saved.token } : null),
    setConversation: (c) => {
      saved = c ? { id: c.id, token: c.token, open: saved.open } : { open: saved.open };
      save();
    },
    lastRead: () => saved.read || 0,
    setLastRead: (seq) => {
      saved.read = seq;
      save();
    },
    personId,
    api,
    fetch: nativeFetch,
    redeem: (token) => void redeem({ token, ...chatLink() }),
    unread: (n) => {
      unread = n;
      renderLauncher();
    },
    closed: () => {
      saved.open = false;
      save();
      renderLauncher();
      if (launcher) launcher.focus();
    },
  };
}
