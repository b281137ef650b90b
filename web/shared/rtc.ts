// WebRTC helpers both sides of a call use: the ICE candidates that arrive
// before the remote description, and the media statistics summed over a
// call's peer connections (for tests and the health of the call).

/** A peer's ICE candidates that arrived before its remote description was set. */
export interface CandidateQueue {
  queued: RTCIceCandidateInit[];
}

/** Adds candidate c to pc now if pc has its remote description, else queues it for addQueuedCandidates. A refused candidate is ignored. */
export async function addOrQueueCandidate(
  pc: Pick<RTCPeerConnection, "remoteDescription" | "addIceCandidate">,
  peer: CandidateQueue,
  c: RTCIceCandidateInit,
): Promise<void> {
  if (pc.remoteDescription) await pc.addIceCandidate(c).catch(() => undefined);
  else peer.queued.push(c);
}

/** Adds the queued candidates to pc in order (once its remote description is set) and empties the queue. Refused ones are ignored. */
export async function addQueuedCandidates(pc: Pick<RTCPeerConnection, "addIceCandidate">, peer: CandidateQueue): Promise<void> {
  const q = peer.queued;
  peer.queued = [];
  for (const c of q) await pc.addIceCandidate(c).catch(() => undefined);
}

/** Media statistics of a call, summed over its peer connections. */
export interface MediaStats {
  inboundBytes: number;
  outboundBytes: number;
  /** Whether the selected candidate pair of every connection uses a TURN relay (false with none). */
  relay: boolean;
}

/** One peer connection's getStats report, as a map of plain objects by stats id. */
export type StatsReport = Map<string, Record<string, unknown>>;

/** Returns pc's getStats report as a StatsReport, the form sumStats takes. */
export async function statsOf(pc: Pick<RTCPeerConnection, "getStats">): Promise<StatsReport> {
  const r = await pc.getStats();
  const m: StatsReport = new Map();
  r.forEach((v: Record<string, unknown>, k: string) => m.set(k, v));
  return m;
}

/**
 * Sums getStats reports (one per peer connection). A connection's selected
 * candidate pair is the one its transport names, else a succeeded pair
 * marked selected or nominated; the call is relayed when every connection
 * with a selected pair has a relay candidate on either end.
 */
export function sumStats(reports: readonly StatsReport[]): MediaStats {
  let inboundBytes = 0;
  let outboundBytes = 0;
  let pairs = 0;
  let relayed = 0;
  for (const r of reports) {
    let selected: Record<string, unknown> | undefined;
    for (const s of r.values()) {
      if (s.type === "inbound-rtp") inboundBytes += Number(s.bytesReceived) || 0;
      if (s.type === "outbound-rtp") outboundBytes += Number(s.bytesSent) || 0;
      if (s.type === "transport" && typeof s.selectedCandidatePairId === "string") selected = r.get(s.selectedCandidatePairId);
    }
    if (!selected) {
      for (const s of r.values()) {
        if (s.type === "candidate-pair" && s.state === "succeeded" && (s.selected === true || s.nominated === true)) selected = s;
      }
    }
    if (!selected) continue;
    pairs++;
    const local = typeof selected.localCandidateId === "string" ? r.get(selected.localCandidateId) : undefined;
    const remote = typeof selected.remoteCandidateId === "string" ? r.get(selected.remoteCandidateId) : undefined;
    if (local?.candidateType === "relay" || remote?.candidateType === "relay") relayed++;
  }
  return { inboundBytes, outboundBytes, relay: pairs > 0 && relayed === pairs };
}
