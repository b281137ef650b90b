// Video exports as the console calls them (docs/video.md, "Exports"): ask
// for an MP4 of an ended assist or terminal session, follow the job's
// progress, download, cancel or delete it.

import { call } from "../../shared/api";

/** The options of an export; width and height 0 keep the person's size. */
export interface VideoOptions {
  width: number;
  height: number;
  fps?: number;
  clicks: boolean;
  pointer: boolean;
  devtools: boolean;
  skipIdle: boolean;
}

export type VideoState = "queued" | "running" | "done" | "failed" | "cancelled";

/** An export job. */
export interface Video {
  id: string;
  kind: "assist" | "terminal";
  subjectId: string;
  options: VideoOptions;
  state: VideoState;
  framesDone: number;
  framesTotal: number;
  error?: string;
  bytes?: number;
  durationMs?: number;
  width?: number;
  height?: number;
  attempts: number;
  requestedBy: string;
  createdAt: string;
  finishedAt?: string;
  fileUrl?: string;
}

/** The resolutions offered: the person's own, or a fixed one. */
export const resolutions: { label: string; width: number; height: number }[] = [
  { label: "The person's screen", width: 0, height: 0 },
  { label: "1280 × 720", width: 1280, height: 720 },
  { label: "1920 × 1080", width: 1920, height: 1080 },
];

const enc = encodeURIComponent;

/** The calls of video exports. */
export const videoApi = {
  request: (kind: "assist" | "terminal", id: string, o: VideoOptions) =>
    call<{ video: Video }>("POST", `/${kind === "assist" ? "assists" : "terminals"}/${enc(id)}/videos`, o),
  list: (kind: "assist" | "terminal", id: string) => call<{ videos: Video[] }>("GET", `/videos?${kind}=${enc(id)}`),
  remove: (id: string) => call<unknown>("DELETE", `/videos/${enc(id)}`),
};

/** Whether a job still runs (its list is polled while one does). */
export function unfinished(v: Video): boolean {
  return v.state === "queued" || v.state === "running";
}

/** What a job's progress says: "Queued", "Rendering 42%", "Done", … */
export function progressLabel(v: Video): string {
  switch (v.state) {
    case "queued":
      return v.attempts > 0 ? `Queued (attempt ${v.attempts + 1})` : "Queued";
    case "running":
      return v.framesTotal > 0 ? `Rendering ${percent(v)}%` : "Rendering";
    case "done":
      return "Done";
    case "failed":
      return "Failed";
    case "cancelled":
      return "Cancelled";
  }
}

/** The share of frames rendered, 0 to 100. */
export function percent(v: Video): number {
  if (v.state === "done") return 100;
  if (v.framesTotal <= 0) return 0;
  return Math.min(100, Math.floor((v.framesDone * 100) / v.framesTotal));
}

/** "3.4 MB", "812 KB". */
export function sizeLabel(bytes: number | undefined): string {
  if (!bytes) return "";
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1000))} KB`;
}
