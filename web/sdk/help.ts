// How an assist starts from this page: a help request (the "Need help?"
// button or Tandem.requestHelp) files one and waits for an agent; an invite
// (a link's token, or a code typed into the panel or given to
// Tandem.redeem) joins one live at once, since redeeming is consent. Both
// send only pageInfo (person.ts) over HTTP, a help request also the chat's
// conversation (chat-host.ts); a failure shows a message in the panel and
// fires "error".

import { begin, end } from "./assist";
import { chatLink, useConversation } from "./chat-host";
import { emit } from "./events";
import { api, ApiError } from "./http";
import { currentToken } from "./passport-host";
import { pageInfo } from "./person";
import { render, session, setMessage, state } from "./state";
import { setWaitNotice, startWait, waitNotice } from "./waiting";

// A request is under way: further asks do nothing until it is answered.
let busy = false;

/** Returns what the panel says when redeeming an invite failed with this API error code ("" for none). */
export function inviteError(code: string): string {
  return code === "not_found" || code === "invalid"
    ? "That code is not valid."
    : code === "expired"
      ? "That invite has expired."
      : code === "used"
        ? "That invite was already used."
        : code === "rate_limited"
          ? "Too many attempts. Please try again later."
          : "Could not reach support. Please try again.";
}

function fail(message: string, err: unknown): void {
  setMessage(message);
  render();
  emit("error", { message, code: err instanceof ApiError ? err.code : "network", cause: err instanceof Error ? err.message : String(err) });
}

/** Files a help request for this page, unless a request or an assist is under way. */
export async function requestHelp(): Promise<void> {
  if (busy || session) return;
  busy = true;
  setMessage("");
  try {
    // With a chat under way, the assist joins its conversation; without,
    // the server makes one, and the chat panel takes it up.
    // A person signed in through the passport is named by their token; the
    // server verifies it (and shows the agent "verified").
    const passportToken = currentToken();
    const r = await api("POST", "/api/v1/public/help-requests", { ...pageInfo(), ...chatLink(), ...(passportToken ? { passportToken } : {}) });
    begin(r.assistId, r.personToken, r.state === "live" ? "live" : "waiting");
    useConversation(r.conversationId, r.conversationToken);
    if (r.state === "waiting") {
      startWait(r.agentsAvailable, r.pickupTimeoutMs, render);
      render();
    }
  } catch (e) {
    // unavailable: the site's queue is full, and the server says so.
    const full = e instanceof ApiError && e.code === "unavailable";
    fail(full ? "Support is busy right now. Please try again in a few minutes." : "Could not reach support. Please try again.", e);
  } finally {
    busy = false;
  }
}

/**
 * Redeems an invite, by the link's token or by its short code, ending any
 * assist under way first. An invite button in the chat panel sends the
 * chat's conversation along, so that the assist joins it.
 */
export async function redeem(by: { token?: string; code?: string; conversationId?: string; conversationToken?: string }): Promise<void> {
  if (busy) return;
  if (session) end();
  busy = true;
  setMessage("");
  try {
    const r = await api("POST", "/api/v1/public/invites/redeem", { ...pageInfo(), ...by });
    // An agent's invite starts live (opening it is consent); a bot's asks
    // for help, and waits for an agent.
    begin(r.assistId, r.personToken, r.state === "waiting" ? "waiting" : "live");
  } catch (e) {
    fail(inviteError(e instanceof ApiError ? e.code : ""), e);
  } finally {
    busy = false;
  }
}

/** Leaves a message while this page's request waits for an agent: it goes into the assist's conversation. */
export async function leaveMessage(text: string): Promise<void> {
  if (busy || !session || state !== "waiting") return;
  busy = true;
  const was = waitNotice();
  try {
    await api("POST", `/api/v1/public/assists/${encodeURIComponent(session.assistId)}/message`, { text }, session.token);
    setWaitNotice("left");
  } catch (e) {
    setWaitNotice(was, "Could not send your message. Please try again.");
    emit("error", { message: "leave a message", code: e instanceof ApiError ? e.code : "network", cause: e instanceof Error ? e.message : String(e) });
  } finally {
    busy = false;
    render();
  }
}
