import { test } from "node:test";
import assert from "node:assert/strict";
import { percent, progressLabel, sizeLabel, unfinished, type Video } from "./api";

const job = (v: Partial<Video>): Video => ({
  id: "v1", kind: "assist", subjectId: "a1", state: "queued", framesDone: 0, framesTotal: 0, attempts: 0,
  requestedBy: "agent:u1", createdAt: "2026-01-01T00:00:00Z",
  options: { width: 0, height: 0, clicks: true, pointer: true, devtools: false, skipIdle: false },
  ...v,
});

test("progressLabel says where a job is", () => {
  assert.equal(progressLabel(job({})), "Queued");
  assert.equal(progressLabel(job({ attempts: 1 })), "Queued (attempt 2)");
  assert.equal(progressLabel(job({ state: "running" })), "Rendering");
  assert.equal(progressLabel(job({ state: "running", framesDone: 21, framesTotal: 50 })), "Rendering 42%");
  assert.equal(progressLabel(job({ state: "done" })), "Done");
  assert.equal(progressLabel(job({ state: "failed" })), "Failed");
});

test("percent stays within 0 to 100", () => {
  assert.equal(percent(job({ state: "running", framesDone: 5, framesTotal: 0 })), 0);
  assert.equal(percent(job({ state: "running", framesDone: 99, framesTotal: 50 })), 100);
  assert.equal(percent(job({ state: "done", framesDone: 0, framesTotal: 0 })), 100);
});

test("unfinished jobs are the queued and running ones", () => {
  assert.deepEqual(
    (["queued", "running", "done", "failed", "cancelled"] as const).map((state) => unfinished(job({ state }))),
    [true, true, false, false, false],
  );
});

test("sizeLabel", () => {
  assert.equal(sizeLabel(undefined), "");
  assert.equal(sizeLabel(812_345), "812 KB");
  assert.equal(sizeLabel(3_400_000), "3.4 MB");
  assert.equal(sizeLabel(12), "1 KB");
});
