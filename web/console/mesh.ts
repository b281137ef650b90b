// Calls, the rules the agent's side follows (docs/protocol.md, "Calls"):
// what a call.state frame says, who offers to whom in the mesh (the newer
// member offers to each existing one), and the media statistics summed over
// the peer connections for tests and the health of the call.

/** The states a call is shown in. */
export type CallPhase = "ringing" | "active" | "ended" | "declined";

/** One member of a call: "person" or an agent's channel id. */
export interface CallMember {
  id: string;
  name: string;
}

/** An ICE server entry, as RTCPeerConnection takes it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** A call.state frame, checked. members is null when the frame did not list them. */
export interface CallView {
  callId: string;
  state: CallPhase;
  video: boolean;
  members: CallMember[] | null;
  you: string;
  iceServers: IceServer[];
}

const phases: ReadonlySet<string> = new Set(["ringing", "active", "ended", "declined"]);

/** Returns the call.state payload as a CallView; anything unknown reads as "ended". */
export function parseCallState(p: unknown): CallView {
  const o = (p && typeof p === "object" ? p : {}) as Record<string, unknown>;
  const state = typeof o.state === "string" && phases.has(o.state) ? (o.state as CallPhase) : "ended";
  const members = Array.isArray(o.members)
    ? o.members
        .filter((m): m is Record<string, unknown> => !!m && typeof m === "object" && typeof (m as Record<string, unknown>).id === "string")
        .map((m) => ({ id: m.id as string, name: typeof m.name === "string" ? m.name : "" }))
        .sort((a, b) => (a.id === "person" ? -1 : b.id === "person" ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    : null;
  const ice = Array.isArray(o.iceServers)
    ? (o.iceServers as unknown[]).filter((s): s is IceServer => !!s && typeof s === "object" && (typeof (s as IceServer).urls === "string" || Array.isArray((s as IceServer).urls)))
    : [];
  return {
    callId: typeof o.callId === "string" ? o.callId : "",
    state,
    video: o.video === true,
    members,
    you: typeof o.you === "string" ? o.you : "",
    iceServers: ice,
  };
}

/** Reports whether me is a member of the call. */
export function isMember(v: CallView | null, me: string): boolean {
  if (!v || !me) return false;
  if (v.you && v.you === me) return true;
  return !!v.members?.some((m) => m.id === me);
}

/**
 * Returns the members me must send an offer to, going from the call as it
 * was (prev, or null) to the call as it is now. The newer member offers: a
 * member who has just entered an active call (started it and the person
 * accepted, or joined it) offers to everyone already in it; a member already
 * in it offers to nobody new, except the person, who never offers.
 */
export function offerTargets(prev: CallView | null, next: CallView, me: string): string[] {
  if (next.state !== "active" || !next.members || !isMember(next, me)) return [];
  const others = next.members.map((m) => m.id).filter((id) => id !== me);
  const wasIn = !!prev && prev.callId === next.callId && prev.state === "active" && !!prev.members && isMember(prev, me);
  if (!wasIn) return others;
  const before = new Set(prev!.members!.map((m) => m.id));
  return others.filter((id) => id === "person" && !before.has(id));
}

/** Returns the peers to close: those no longer members of the call. */
export function goneMembers(peers: Iterable<string>, next: CallView): string[] {
  if (next.state !== "active") return [...peers];
  if (!next.members) return [];
  const ids = new Set(next.members.map((m) => m.id));
  return [...peers].filter((id) => !ids.has(id));
}

/** Media statistics of a call, summed over its peer connections. */
export interface CallStats {
  inboundBytes: number;
  outboundBytes: number;
  /** Whether the selected candidate pair of every connection uses a TURN relay (false with none). */
  relay: boolean;
}

type Report = Map<string, Record<string, unknown>>;

/** Sums getStats reports (one per peer connection, as maps of plain objects). */
export function sumStats(reports: readonly Report[]): CallStats {
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
