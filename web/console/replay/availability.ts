// Whether an assist has a replay. Nothing is recorded before the person
// consents, and an assist starts (startedAt) when they do; one that ended
// before that — denied, or left unanswered — has nothing to play, and the
// history and the replay screen say so rather than offering an empty player.

import type { Assist } from "../../shared/api";

/** Why an assist has no replay, or null when it has one (or may still get one). */
export function noReplayReason(a: Pick<Assist, "state" | "startedAt" | "endReason">): string | null {
  if (a.state !== "ended" || a.startedAt) return null;
  if (/denied|declined|refused/i.test(a.endReason ?? "")) return "The person denied the request, so nothing was recorded.";
  return "The person never allowed the assist, so nothing was recorded.";
}
