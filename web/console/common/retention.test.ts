import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../../shared/api";
import { deletedNote, recordingGone } from "./retention";

test("recordingGone: a 410 from retention is said, anything else is an error", () => {
  const msg = "the recording was deleted on 2027-03-01 12:00 UTC by the site's retention of 30 days";
  assert.equal(
    recordingGone(new ApiError(410, "expired", msg)),
    "The recording was deleted on 2027-03-01 12:00 UTC by the site's retention of 30 days.",
  );
  assert.equal(recordingGone(new ApiError(410, "expired", "")), "The recording was deleted by the site's retention.");
  assert.equal(recordingGone(new ApiError(404, "not_found", "assist not found")), null);
  assert.equal(recordingGone(new ApiError(410, "used", "used")), null);
  assert.equal(recordingGone(new ApiError(500, "internal", "internal error")), null);
  assert.equal(recordingGone(new Error("network")), null);
  assert.equal(recordingGone("x"), null);
});

test("deletedNote", () => {
  assert.equal(deletedNote(undefined), "");
  assert.equal(deletedNote({}), "");
  assert.equal(deletedNote({ recordingDeletedAt: "2027-03-01T12:00:00Z" }), "Recording deleted on 2027-03-01");
  assert.equal(deletedNote({ recordingDeletedAt: "garbage" }), "Recording deleted");
});
