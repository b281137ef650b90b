// CallSession is the agent's side of a call: the call.state the server
// sends, the microphone and camera (asked for only once this agent is in an
// active call), and one RTCPeerConnection per other member, offered by the
// newer member (mesh.ts). Signalling goes through the agent channel as `rtc`
// frames; media flows peer to peer or through the TURN relay.

import { addOrQueueCandidate, addQueuedCandidates, MediaStats, StatsReport, statsOf, sumStats } from "../../shared/rtc";
import { CallSink } from "./interact";
import { CallView, goneMembers, isMember, offerTargets, personAway } from "./mesh";
import { KindCall, KindCallJoin, KindCallLeave, KindCallMedia, KindRTC } from "../../shared/protocol";

interface Peer {
  id: string;
  pc: RTCPeerConnection;
  stream: MediaStream | null;
  // Signalling with one member is handled one message at a time.
  chain: Promise<void>;
  queued: RTCIceCandidateInit[];
  tracksAdded: boolean;
}

/** What the call panel shows for another member. */
export interface CallTile {
  id: string;
  name: string;
  stream: MediaStream | null;
  audio: boolean;
  video: boolean;
  connection: string;
  /** The person's page went away; their next page rejoins the call. */
  away: boolean;
}

/** Options of a CallSession. */
export interface CallOptions {
  send(kind: string, payload?: unknown): boolean;
  onChange(): void;
  /** This console's channel id. */
  me(): string;
  toast(text: string): void;
}

/** Reports whether the test switch asks for TURN relays only. */
export function forceRelay(): boolean {
  try {
    return localStorage.getItem("tandem.forceRelay") === "1";
  } catch {
    return false;
  }
}

/** CallSession follows one assist's call. */
export class CallSession implements CallSink {
  /** The last call.state; null before any call. */
  view: CallView | null = null;
  local: MediaStream | null = null;
  muted = false;
  cameraOff = false;
  /** Set when the microphone or camera could not be had. */
  mediaNote: string | null = null;

  private peers = new Map<string, Peer>();
  private mediaOf = new Map<string, { audio: boolean; video: boolean }>();
  private ready: Promise<void> | null = null;
  // rejoining: the person was away in this call and is back; cleared once
  // their new connection is up.
  private rejoining = false;
  private readonly o: CallOptions;

  constructor(o: CallOptions) {
    this.o = o;
  }

  /** Whether this console is in the call. */
  get member(): boolean {
    const v = this.view;
    return !!v && (v.state === "active" || v.state === "ringing") && isMember(v, this.o.me());
  }

  /** The other members, for the call panel. */
  get tiles(): CallTile[] {
    const v = this.view;
    if (!v || v.state !== "active" || !v.members || !this.member) return [];
    const me = this.o.me();
    return v.members
      .filter((m) => m.id !== me)
      .map((m) => {
        const p = this.peers.get(m.id);
        const media = this.mediaOf.get(m.id);
        return {
          id: m.id,
          name: m.name,
          stream: p?.stream ?? null,
          audio: media?.audio ?? true,
          video: media?.video ?? v.video,
          connection: p?.pc.connectionState ?? "new",
          away: m.away,
        };
      });
  }

  /**
   * Whether the call is re-established after the person's page changed:
   * from the moment their page went until media flows from their next one.
   */
  get reconnecting(): boolean {
    const v = this.view;
    if (!v || v.state !== "active") return false;
    if (personAway(v)) return true;
    return this.rejoining && this.peers.get("person")?.pc.connectionState !== "connected";
  }

  get hasAudio(): boolean {
    return !!this.local?.getAudioTracks().length;
  }

  get hasVideo(): boolean {
    return !!this.local?.getVideoTracks().length;
  }

  /** Starts a call; the person is asked. */
  start(video: boolean): void {
    if (!this.o.send(KindCall, { video })) this.o.toast("Not connected to the server right now");
  }

  /** Joins the active call. */
  join(): void {
    if (!this.o.send(KindCallJoin)) this.o.toast("Not connected to the server right now");
  }

  /** Leaves the call (the server ends it if this was the last agent). */
  hangup(): void {
    this.o.send(KindCallLeave);
    this.teardown();
    this.o.onChange();
  }

  toggleMute(): void {
    this.muted = !this.muted;
    this.applyMedia();
  }

  toggleCamera(): void {
    this.cameraOff = !this.cameraOff;
    this.applyMedia();
  }

  state(v: CallView): void {
    const prev = this.view;
    const me = this.o.me();
    this.view = v;
    if (v.state === "ended" || v.state === "declined" || (v.state === "active" && v.members && !isMember(v, me))) {
      this.teardown();
    } else if (v.state === "active" && isMember(v, me)) {
      if (personAway(v)) this.rejoining = true;
      else if (this.peers.get("person")?.pc.connectionState === "connected") this.rejoining = false;
      for (const id of goneMembers(this.peers.keys(), v)) this.close(id);
      if (!this.ready) this.ready = this.acquire(v.video);
      for (const id of offerTargets(prev, v, me)) if (!this.peers.has(id)) this.offer(id);
    }
    this.o.onChange();
  }

  rtc(p: Record<string, unknown>): void {
    const v = this.view;
    const from = typeof p.from === "string" ? p.from : "";
    if (!v || v.state !== "active" || p.callId !== v.callId || !from || !isMember(v, this.o.me())) return;
    if (!this.ready) this.ready = this.acquire(v.video);
    const ready = this.ready;
    const peer = this.peer(from);
    peer.chain = peer.chain.then(() => ready).then(() => this.signal(peer, p));
  }

  media(p: Record<string, unknown>): void {
    const from = typeof p.from === "string" ? p.from : "";
    if (!from) return;
    this.mediaOf.set(from, { audio: p.audio !== false, video: p.video !== false });
    this.o.onChange();
  }

  /** The channel dropped: the server has taken this console out of the call. */
  disconnected(): void {
    if (this.ready || this.peers.size) {
      this.teardown();
      this.o.onChange();
    }
  }

  /** Media statistics over every peer connection (for tests). */
  async stats(): Promise<MediaStats> {
    const reports: StatsReport[] = [];
    for (const p of this.peers.values()) reports.push(await statsOf(p.pc));
    return sumStats(reports);
  }

  /** Closes every connection and stops the devices. */
  teardown(): void {
    for (const id of [...this.peers.keys()]) this.close(id);
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.local = null;
    this.ready = null;
    this.mediaOf.clear();
    this.mediaNote = null;
    this.rejoining = false;
  }

  private async acquire(video: boolean): Promise<void> {
    const md = navigator.mediaDevices;
    let stream: MediaStream | null = null;
    if (md?.getUserMedia) {
      try {
        stream = await md.getUserMedia({ audio: true, video });
      } catch {
        if (video) stream = await md.getUserMedia({ audio: true, video: false }).catch(() => null);
      }
    }
    if (this.ready === null) {
      // Hung up while the browser asked.
      for (const t of stream?.getTracks() ?? []) t.stop();
      return;
    }
    this.local = stream;
    if (!stream) this.mediaNote = "No microphone: you can hear the call but not be heard.";
    else if (video && !stream.getVideoTracks().length) this.mediaNote = "No camera: the others hear you only.";
    this.applyMedia();
  }

  // applyMedia turns the tracks on or off and tells the others.
  private applyMedia(): void {
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = !this.muted;
    for (const t of this.local?.getVideoTracks() ?? []) t.enabled = !this.cameraOff;
    const v = this.view;
    if (v && v.state === "active" && this.member) {
      this.o.send(KindCallMedia, { callId: v.callId, audio: this.hasAudio && !this.muted, video: this.hasVideo && !this.cameraOff });
    }
    this.o.onChange();
  }

  private peer(id: string): Peer {
    const have = this.peers.get(id);
    if (have) return have;
    const v = this.view!;
    const pc = new RTCPeerConnection({ iceServers: v.iceServers as RTCIceServer[], iceTransportPolicy: forceRelay() ? "relay" : "all" });
    const p: Peer = { id, pc, stream: null, chain: Promise.resolve(), queued: [], tracksAdded: false };
    const callId = v.callId;
    pc.onicecandidate = (e) => {
      if (e.candidate) this.o.send(KindRTC, { callId, to: id, candidate: e.candidate.toJSON() });
    };
    pc.ontrack = (e) => {
      const s = e.streams[0] ?? p.stream ?? new MediaStream();
      if (!e.streams[0]) s.addTrack(e.track);
      p.stream = s;
      this.o.onChange();
    };
    pc.onconnectionstatechange = () => {
      if (id === "person" && pc.connectionState === "connected") this.rejoining = false;
      this.o.onChange();
    };
    this.peers.set(id, p);
    return p;
  }

  // addLocal adds this agent's tracks; an offerer without a device still
  // asks to receive, so the others are heard and seen.
  private addLocal(p: Peer, offerer: boolean): void {
    if (p.tracksAdded) return;
    p.tracksAdded = true;
    const s = this.local;
    for (const t of s?.getTracks() ?? []) p.pc.addTrack(t, s!);
    if (!offerer) return;
    if (!s?.getAudioTracks().length) p.pc.addTransceiver("audio", { direction: "recvonly" });
    if (this.view?.video && !s?.getVideoTracks().length) p.pc.addTransceiver("video", { direction: "recvonly" });
  }

  private offer(id: string): void {
    const p = this.peer(id);
    const ready = this.ready ?? Promise.resolve();
    const callId = this.view!.callId;
    p.chain = p.chain
      .then(() => ready)
      .then(async () => {
        if (this.peers.get(id) !== p) return;
        this.addLocal(p, true);
        await p.pc.setLocalDescription(await p.pc.createOffer());
        this.o.send(KindRTC, { callId, to: id, description: p.pc.localDescription?.toJSON() });
      })
      .catch((err) => this.fail(id, err));
  }

  private async signal(p: Peer, msg: Record<string, unknown>): Promise<void> {
    const pc = p.pc;
    if (this.peers.get(p.id) !== p || pc.signalingState === "closed") return;
    const callId = this.view?.callId;
    try {
      const desc = msg.description as RTCSessionDescriptionInit | undefined;
      if (desc && desc.type) {
        if (desc.type === "answer" && pc.signalingState !== "have-local-offer") return;
        await pc.setRemoteDescription(desc);
        if (desc.type === "offer") {
          this.addLocal(p, false);
          await pc.setLocalDescription();
          this.o.send(KindRTC, { callId, to: p.id, description: pc.localDescription?.toJSON() });
        }
        await addQueuedCandidates(pc, p);
      } else if (msg.candidate && typeof msg.candidate === "object") {
        await addOrQueueCandidate(pc, p, msg.candidate as RTCIceCandidateInit);
      }
    } catch (err) {
      this.fail(p.id, err);
    }
  }

  private fail(id: string, err: unknown): void {
    console.warn("tandem call:", id, err);
    this.o.toast("The call could not connect to one of its members");
  }

  private close(id: string): void {
    const p = this.peers.get(id);
    if (!p) return;
    this.peers.delete(id);
    p.pc.onicecandidate = p.pc.ontrack = p.pc.onconnectionstatechange = null;
    p.pc.close();
  }
}
