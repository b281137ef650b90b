import { test } from "node:test";
import assert from "node:assert/strict";
import { addOrQueueCandidate, addQueuedCandidates, statsOf, sumStats } from "./rtc";

const report = (entries: Record<string, unknown>[]) => new Map(entries.map((e) => [e.id as string, e]));

test("sumStats adds bytes over connections and tells relayed pairs", () => {
  const direct = report([
    { id: "in1", type: "inbound-rtp", bytesReceived: 1000 },
    { id: "in2", type: "inbound-rtp", bytesReceived: 500 },
    { id: "out1", type: "outbound-rtp", bytesSent: 800 },
    { id: "t", type: "transport", selectedCandidatePairId: "cp" },
    { id: "cp", type: "candidate-pair", state: "succeeded", localCandidateId: "l", remoteCandidateId: "r" },
    { id: "l", type: "local-candidate", candidateType: "host" },
    { id: "r", type: "remote-candidate", candidateType: "host" },
  ]);
  const relayed = report([
    { id: "in", type: "inbound-rtp", bytesReceived: 10 },
    { id: "out", type: "outbound-rtp", bytesSent: 20 },
    // No transport entry: the succeeded, nominated pair counts.
    { id: "cp0", type: "candidate-pair", state: "failed", nominated: true, localCandidateId: "l", remoteCandidateId: "r" },
    { id: "cp", type: "candidate-pair", state: "succeeded", nominated: true, localCandidateId: "l", remoteCandidateId: "r" },
    { id: "l", type: "local-candidate", candidateType: "relay" },
    { id: "r", type: "remote-candidate", candidateType: "srflx" },
  ]);
  assert.deepEqual(sumStats([direct, relayed]), { inboundBytes: 1510, outboundBytes: 820, relay: false });
  assert.deepEqual(sumStats([relayed]), { inboundBytes: 10, outboundBytes: 20, relay: true });
  assert.deepEqual(sumStats([]), { inboundBytes: 0, outboundBytes: 0, relay: false });
  assert.deepEqual(sumStats([report([{ id: "x", type: "inbound-rtp", bytesReceived: "7" }])]), { inboundBytes: 7, outboundBytes: 0, relay: false });
});

test("sumStats takes the pair the transport selected, relayed on either end", () => {
  const relayedLocal = report([
    { id: "i1", type: "inbound-rtp", bytesReceived: 1000 },
    { id: "i2", type: "inbound-rtp", bytesReceived: 500 },
    { id: "o1", type: "outbound-rtp", bytesSent: 700 },
    { id: "t", type: "transport", selectedCandidatePairId: "cp" },
    { id: "cp", type: "candidate-pair", localCandidateId: "l", remoteCandidateId: "r", state: "succeeded" },
    { id: "l", type: "local-candidate", candidateType: "relay" },
    { id: "r", type: "remote-candidate", candidateType: "host" },
  ]);
  const relayedRemote = report([
    { id: "t", type: "transport", selectedCandidatePairId: "cp" },
    { id: "cp", type: "candidate-pair", localCandidateId: "l", remoteCandidateId: "r", state: "succeeded" },
    { id: "other", type: "candidate-pair", localCandidateId: "l", remoteCandidateId: "l", state: "succeeded", selected: true },
    { id: "l", type: "local-candidate", candidateType: "host" },
    { id: "r", type: "remote-candidate", candidateType: "relay" },
  ]);
  const unselected = report([{ id: "cp", type: "candidate-pair", localCandidateId: "l", state: "succeeded" }, { id: "l", type: "local-candidate", candidateType: "relay" }]);
  assert.deepEqual(sumStats([relayedLocal]), { inboundBytes: 1500, outboundBytes: 700, relay: true });
  assert.deepEqual(sumStats([relayedLocal, relayedRemote]), { inboundBytes: 1500, outboundBytes: 700, relay: true });
  assert.deepEqual(sumStats([unselected]), { inboundBytes: 0, outboundBytes: 0, relay: false }, "no selected pair: not relayed");
  assert.deepEqual(sumStats([relayedLocal, unselected]), { inboundBytes: 1500, outboundBytes: 700, relay: true }, "a connection without a selected pair does not count");
});

test("statsOf turns a getStats report into a map of its entries", async () => {
  const entries: [string, Record<string, unknown>][] = [
    ["a", { id: "a", type: "inbound-rtp", bytesReceived: 5 }],
    ["b", { id: "b", type: "outbound-rtp", bytesSent: 6 }],
  ];
  const pc = { getStats: async () => ({ forEach: (fn: (v: unknown, k: string) => void) => entries.forEach(([k, v]) => fn(v, k)) }) as unknown as RTCStatsReport };
  const m = await statsOf(pc);
  assert.deepEqual([...m.keys()], ["a", "b"]);
  assert.deepEqual(sumStats([m]), { inboundBytes: 5, outboundBytes: 6, relay: false });
});

// A peer connection that records the candidates added to it.
function fakePC(remote: boolean, refuse = "") {
  const added: string[] = [];
  const pc = {
    remoteDescription: remote ? ({ type: "offer", sdp: "" } as RTCSessionDescription) : null,
    addIceCandidate: async (c?: RTCIceCandidateInit | null) => {
      if (c?.candidate === refuse) throw new Error("refused");
      added.push(c?.candidate ?? "");
    },
  };
  return { pc, added };
}

test("candidates wait in the queue until the remote description is set, then go in order", async () => {
  const peer = { queued: [] as RTCIceCandidateInit[] };
  const early = fakePC(false);
  await addOrQueueCandidate(early.pc, peer, { candidate: "c1" });
  await addOrQueueCandidate(early.pc, peer, { candidate: "c2" });
  assert.deepEqual(early.added, [], "nothing added without a remote description");
  assert.deepEqual(peer.queued.map((c) => c.candidate), ["c1", "c2"]);

  const ready = fakePC(true, "c1");
  await addQueuedCandidates(ready.pc, peer);
  assert.deepEqual(ready.added, ["c2"], "a refused candidate is skipped, the rest go in");
  assert.deepEqual(peer.queued, [], "the queue is emptied");
  await addOrQueueCandidate(ready.pc, peer, { candidate: "c3" });
  assert.deepEqual(ready.added, ["c2", "c3"], "with a remote description a candidate goes in at once");
  assert.deepEqual(peer.queued, []);
});
