// What the console says about recordings that a site's retention deleted:
// the recording API answers 410 (code "expired") with the server's own
// words, and an assist's JSON carries recordingDeletedAt.

import { ApiError, Assist } from "../../shared/api";

/**
 * The sentence to show in place of a replay whose recording was deleted, or
 * null when err is any other failure (which is shown as an error).
 */
export function recordingGone(err: unknown): string | null {
  if (!(err instanceof ApiError && err.status === 410 && err.code === "expired")) return null;
  const m = err.message.trim().replace(/\.$/, "");
  if (!m) return "The recording was deleted by the site's retention.";
  return m.charAt(0).toUpperCase() + m.slice(1) + ".";
}

/** "Recording deleted on 2027-03-01" for an assist whose recording is gone, else "". */
export function deletedNote(a: Pick<Assist, "recordingDeletedAt"> | null | undefined): string {
  const at = a?.recordingDeletedAt;
  if (!at) return "";
  const d = new Date(at);
  if (isNaN(d.getTime())) return "Recording deleted";
  return `Recording deleted on ${d.toISOString().slice(0, 10)}`;
}
