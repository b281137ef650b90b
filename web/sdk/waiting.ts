// What a person waiting for an agent is told beyond "waiting": "no agent
// available" at once when no agent is, "no one picked up" after the site's
// pick-up time, and, either way, that they may leave a message (help.ts
// sends it); then that it was sent. Only this page's wait is timed: a wait
// taken up on the next page starts over as plain waiting.

/** What the waiting panel adds: nothing, no agent, not picked up, message left. */
export type WaitNotice = "" | "none" | "timeout" | "left";

let notice: WaitNotice = "";
let error = "";
let timer = 0;

/** The notice the waiting panel shows now. */
export function waitNotice(): WaitNotice {
  return notice;
}

/** Why leaving a message failed ("" for no failure). */
export function waitError(): string {
  return error;
}

/** Sets the notice (and clears any error). */
export function setWaitNotice(n: WaitNotice, err = ""): void {
  notice = n;
  error = err;
}

/**
 * Starts this page's wait as the help request's answer says: with no
 * agent available, says so at once; after timeoutMs (0: never) calls
 * onTimeout, unless a message was left.
 */
export function startWait(agentsAvailable: number | undefined, timeoutMs: number | undefined, onTimeout: () => void): void {
  stopWait();
  if (agentsAvailable === 0) notice = "none";
  if (timeoutMs && timeoutMs > 0) {
    timer = window.setTimeout(() => {
      if (notice !== "left") notice = "timeout";
      onTimeout();
    }, timeoutMs);
  }
}

/** Ends the wait: picked up, cancelled or ended. */
export function stopWait(): void {
  clearTimeout(timer);
  timer = 0;
  notice = "";
  error = "";
}
