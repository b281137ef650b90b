// Calls, the rules the agent's side follows (docs/protocol.md, "Calls"):
// what a call.state frame says and who offers to whom in the mesh (the newer
// member offers to each existing one). The media statistics summed over the
// peer connections are in shared/rtc.ts.

/** The states a call is shown in. */
export type CallPhase = "ringing" | "active" | "ended" | "declined";

/** One member of a call: "person" or an agent's channel id. */
export interface CallMember {
  id: string;
  name: string;
  /** The person's page went away during the call; their next page rejoins. */
  away: boolean;
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
        .map((m) => ({ id: m.id as string, name: typeof m.name === "string" ? m.name : "", away: m.away === true }))
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
  const others = next.members.filter((m) => m.id !== me && !m.away).map((m) => m.id);
  const wasIn = !!prev && prev.callId === next.callId && prev.state === "active" && !!prev.members && isMember(prev, me);
  if (!wasIn) return others;
  // The person, once they are in the call again (accepted, or back from
  // another page), is offered to by every agent in it.
  const before = new Set(prev!.members!.filter((m) => !m.away).map((m) => m.id));
  return others.filter((id) => id === "person" && !before.has(id));
}

/** Reports whether the person is in the call but their page is gone (they are reconnecting). */
export function personAway(v: CallView | null): boolean {
  return !!v && v.state === "active" && !!v.members?.some((m) => m.id === "person" && m.away);
}

/** Returns the peers to close: those no longer members of the call. */
export function goneMembers(peers: Iterable<string>, next: CallView): string[] {
  if (next.state !== "active") return [...peers];
  if (!next.members) return [];
  // An away member's connection died with its page: a new one is offered when it is back.
  const ids = new Set(next.members.filter((m) => !m.away).map((m) => m.id));
  return [...peers].filter((id) => !ids.has(id));
}
