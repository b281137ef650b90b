// Voice and video calls, the person's side. Tandem only relays signalling
// (call, call.state, rtc, call.media, call.leave); media flows peer to peer,
// or through the embedded TURN server. One RTCPeerConnection per agent in
// the call: agents offer to the person, who answers, and the person's page
// is the "polite" peer of perfect negotiation (it yields when offers
// cross). The camera and microphone are asked for only once the person
// accepts.

import { addOrQueueCandidate, addQueuedCandidates, type MediaStats, type StatsReport, statsOf, sumStats } from "../shared/rtc";
import { button, el, prompt } from "./panel";
import { KindCallAnswer, KindCallLeave, KindCallMedia, KindRTC } from "../shared/protocol";

/** What window.__tandemCall.stats() reports, summed over the call's peer connections. */
export interface CallStats extends MediaStats {
  /** Peer connections, and how many are connected. */
  peers: number;
  connected: number;
}

interface Peer {
  pc: RTCPeerConnection;
  // Signalling from this member is handled one message at a time.
  chain: Promise<void>;
  making: boolean;
  added: boolean;
  queued: RTCIceCandidateInit[];
  tile: HTMLElement | null;
}

type Send = (kind: string, payload?: unknown) => void;

// forceRelay is a switch for tests: window.TandemConfig.forceRelay = true
// makes the person's peer connections use TURN relays only.
function forceRelay(): boolean {
  const c = (window as unknown as { TandemConfig?: { forceRelay?: boolean } }).TandemConfig;
  return !!(c && c.forceRelay === true);
}

export class Calls {
  private callId = "";
  private video = false;
  // ringing: the prompt is up; joining: accepted, waiting for the server;
  // active: in the call.
  private phase: "" | "ringing" | "joining" | "active" = "";
  private ice: RTCIceServer[] = [];
  private names = new Map<string, string>();
  private local: MediaStream | null = null;
  private muted = false;
  private cameraOff = false;
  // reconnecting: the call goes on from an earlier page; set until media
  // is connected again.
  private reconnecting = false;
  private peers = new Map<string, Peer>();
  private ask: HTMLElement | null = null;
  private panel: HTMLElement | null = null;
  private tiles: HTMLElement | null = null;
  private status: HTMLElement | null = null;
  private self: HTMLVideoElement | null = null;
  private controls: HTMLElement | null = null;

  constructor(
    private slot: HTMLElement,
    private send: Send,
  ) {}

  /** call {callId, from, video}: an agent is calling. */
  call(p: Record<string, unknown>): void {
    this.ring(String(p.callId || ""), !!p.video, String(p.from || "Support"));
  }

  /** call.state {callId, state, video, members, you, iceServers}. */
  state(p: Record<string, unknown>): void {
    const st = String(p.state || "");
    const id = String(p.callId || "");
    if (st === "ended" || st === "declined") {
      if (!id || id === this.callId) this.end();
      return;
    }
    const members = Array.isArray(p.members) ? (p.members as Record<string, unknown>[]) : [];
    if (st === "ringing") {
      // A page opened while the call rings (the call frame went to the previous one).
      if (!this.phase && id) {
        const caller = members.find((m) => m && m.id !== "person");
        this.ring(id, !!p.video, String((caller && caller.name) || "Support"));
      }
      return;
    }
    const me = members.find((m) => m && m.id === "person");
    if (st === "active" && p.you === "person" && me && me.away === true) {
      // This page is new (or its channel came back) while the person is in
      // the call: rejoin it without asking again.
      if (Array.isArray(p.iceServers)) this.ice = p.iceServers as RTCIceServer[];
      void this.rejoin(id, !!p.video);
      return;
    }
    if (st !== "active" || id !== this.callId || !this.phase || this.phase === "ringing") return;
    if (p.you !== "person") return; // not a member: nothing for this page
    if (Array.isArray(p.iceServers)) this.ice = p.iceServers as RTCIceServer[];
    this.names.clear();
    for (const m of members) if (m && typeof m.id === "string" && m.id !== "person") this.names.set(m.id, String(m.name || "Support"));
    // Members who left: close their connection.
    for (const [id2, peer] of this.peers) if (!this.names.has(id2)) this.drop(id2, peer);
    this.phase = "active";
    this.renderStatus();
  }

  /** rtc {callId, from, description?, candidate?}: signalling from a member. */
  rtc(p: Record<string, unknown>): void {
    if (this.phase !== "active" && this.phase !== "joining") return;
    if (String(p.callId || "") !== this.callId) return;
    const from = String(p.from || "");
    if (!from || from === "person") return;
    const peer = this.peer(from);
    peer.chain = peer.chain.then(() => this.signal(peer, from, p));
  }

  private async signal(peer: Peer, from: string, p: Record<string, unknown>): Promise<void> {
    const pc = peer.pc;
    if (pc.signalingState === "closed") return;
    try {
      const desc = p.description as RTCSessionDescriptionInit | undefined;
      if (desc && desc.type) {
        // Polite peer: an offer that crosses ours wins (setRemoteDescription
        // rolls ours back).
        await pc.setRemoteDescription(desc);
        if (desc.type === "offer") {
          this.addLocal(peer);
          await pc.setLocalDescription();
          this.send(KindRTC, { callId: this.callId, to: from, description: pc.localDescription && pc.localDescription.toJSON() });
        }
        await addQueuedCandidates(pc, peer);
      } else if (p.candidate && typeof p.candidate === "object") {
        await addOrQueueCandidate(pc, peer, p.candidate as RTCIceCandidateInit);
      }
    } catch {
      // A description that does not apply (the call moved on): the agent
      // offers again or the call ends; nothing to do here.
    }
  }

  /** call.media {from, audio, video}: an agent muted or turned their camera off. */
  media(p: Record<string, unknown>): void {
    const peer = this.peers.get(String(p.from || ""));
    if (!peer || !peer.tile) return;
    peer.tile.setAttribute("data-audio", p.audio === false ? "off" : "on");
    peer.tile.setAttribute("data-video", p.video === false ? "off" : "on");
    this.label(peer.tile, String(p.from));
  }

  /** The server refused call.answer (the call is gone). */
  refused(): void {
    this.end();
  }

  /** Stats for tests: window.__tandemCall.stats(). */
  async stats(): Promise<CallStats> {
    const reports: StatsReport[] = [];
    let connected = 0;
    for (const { pc } of this.peers.values()) {
      if (pc.connectionState === "connected") connected++;
      reports.push(await statsOf(pc));
    }
    return { ...sumStats(reports), peers: this.peers.size, connected };
  }

  // ---- the person's side of the call ----

  private ring(id: string, video: boolean, from: string): void {
    if (!id || (this.phase && this.phase !== "ringing")) return;
    this.callId = id;
    this.video = video;
    this.phase = "ringing";
    if (this.ask) this.ask.remove();
    this.ask = prompt(
      "call-text",
      "Incoming call",
      from + (video ? " wants to start a video call" : " wants to start a voice call"),
      button("call-decline", "Decline", () => this.decline()),
      button("call-accept", "Accept", () => void this.accept(), "primary"),
    );
    this.slot.prepend(this.ask);
  }

  // rejoin takes this page back into call id, which the person accepted on
  // an earlier page (or before the channel dropped): the old peer
  // connections are gone with that page, so the agents offer again once the
  // server hears call.answer. The panel says "Reconnecting" until media is
  // connected again.
  private async rejoin(id: string, video: boolean): Promise<void> {
    if (!id || this.phase === "ringing" || (this.phase && this.callId !== id)) return;
    if (this.phase === "joining") return; // already on its way back
    for (const [from, peer] of this.peers) this.drop(from, peer);
    if (this.ask) this.ask.remove();
    this.ask = null;
    this.callId = id;
    this.video = video;
    this.phase = "joining";
    this.reconnecting = true;
    this.renderPanel();
    if (!this.local) {
      const stream = await this.devices();
      if (this.callId !== id || this.phase !== "joining") {
        if (stream) for (const t of stream.getTracks()) t.stop();
        return;
      }
      this.local = stream;
      this.renderPanel();
    }
    this.send(KindCallAnswer, { callId: id, accept: true });
    this.sendMedia();
  }

  // devices asks for the microphone (and camera for a video call); a
  // video call without a camera goes on with sound only.
  private async devices(): Promise<MediaStream | null> {
    const md = navigator.mediaDevices;
    if (!md || !md.getUserMedia) return null;
    try {
      return await md.getUserMedia({ audio: true, video: this.video });
    } catch {
      return this.video ? md.getUserMedia({ audio: true, video: false }).catch(() => null) : null;
    }
  }

  private decline(): void {
    if (this.phase !== "ringing") return;
    this.send(KindCallAnswer, { callId: this.callId, accept: false });
    this.end();
  }

  private async accept(): Promise<void> {
    if (this.phase !== "ringing") return;
    const id = this.callId;
    this.phase = "joining";
    if (this.ask) this.ask.remove();
    this.ask = null;
    this.renderPanel();
    const stream = await this.devices();
    if (this.callId !== id || this.phase !== "joining") {
      // The call ended while the browser asked for the devices.
      if (stream) for (const t of stream.getTracks()) t.stop();
      return;
    }
    this.local = stream;
    this.renderPanel();
    this.send(KindCallAnswer, { callId: id, accept: true });
    if (!stream || !stream.getAudioTracks().length || (this.video && !stream.getVideoTracks().length)) this.sendMedia();
  }

  private hasAudio(): boolean {
    return !!this.local && this.local.getAudioTracks().length > 0;
  }

  private hasVideo(): boolean {
    return !!this.local && this.local.getVideoTracks().length > 0;
  }

  private sendMedia(): void {
    if (!this.callId) return;
    this.send(KindCallMedia, { callId: this.callId, audio: this.hasAudio() && !this.muted, video: this.hasVideo() && !this.cameraOff });
  }

  private toggleMute(): void {
    this.muted = !this.muted;
    if (this.local) for (const t of this.local.getAudioTracks()) t.enabled = !this.muted;
    this.sendMedia();
    this.renderPanel();
  }

  private toggleCamera(): void {
    this.cameraOff = !this.cameraOff;
    if (this.local) for (const t of this.local.getVideoTracks()) t.enabled = !this.cameraOff;
    this.sendMedia();
    this.renderPanel();
  }

  private hangup(): void {
    if (this.phase === "joining" || this.phase === "active") this.send(KindCallLeave);
    this.end();
  }

  // ---- peer connections ----

  private peer(from: string): Peer {
    let peer = this.peers.get(from);
    if (peer) return peer;
    const pc = new RTCPeerConnection({ iceServers: this.ice, iceTransportPolicy: forceRelay() ? "relay" : "all" });
    const p: Peer = { pc, chain: Promise.resolve(), making: false, added: false, queued: [], tile: null };
    peer = p;
    this.peers.set(from, p);
    pc.onicecandidate = (e) => {
      if (e.candidate) this.send(KindRTC, { callId: this.callId, to: from, candidate: e.candidate.toJSON() });
    };
    pc.ontrack = (e) => this.show(from, p, e);
    // Negotiation the person starts: only when something changed on this
    // side that the agent's offer did not cover (e.g. a camera it did not
    // offer to receive).
    pc.onnegotiationneeded = async () => {
      if (pc.signalingState !== "stable") return;
      try {
        p.making = true;
        await pc.setLocalDescription();
        this.send(KindRTC, { callId: this.callId, to: from, description: pc.localDescription && pc.localDescription.toJSON() });
      } catch {
        // the agent's next offer settles it
      } finally {
        p.making = false;
      }
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed") pc.restartIce();
      this.renderStatus();
    };
    return p;
  }

  // addLocal sends the person's tracks on the transceivers the agent's
  // offer created, so that answering needs no new negotiation.
  private addLocal(p: Peer): void {
    if (p.added || !this.local) return;
    p.added = true;
    for (const t of this.local.getTracks()) p.pc.addTrack(t, this.local);
  }

  private show(from: string, p: Peer, e: RTCTrackEvent): void {
    if (!this.tiles) return;
    const stream = e.streams[0] || new MediaStream([e.track]);
    if (!p.tile) {
      const video = this.video;
      const media = el(video ? "video" : "audio", { "data-tandem-ui": "call-remote", "data-from": from, autoplay: "", playsinline: "" }) as HTMLMediaElement;
      p.tile = el("div", { class: video ? "tile" : "tile voice", "data-from": from }, media, el("span", {}));
      this.label(p.tile, from);
      this.tiles.appendChild(p.tile);
    }
    const media = p.tile.querySelector("[data-tandem-ui=call-remote]") as HTMLMediaElement;
    if (media.srcObject !== stream) {
      if (media.srcObject && media.srcObject !== stream) (media.srcObject as MediaStream).addTrack(e.track);
      else media.srcObject = stream;
    }
    void media.play().catch(() => undefined);
  }

  private label(tile: HTMLElement, from: string): void {
    const span = tile.querySelector("span");
    if (span) span.textContent = (this.names.get(from) || "Support") + (tile.getAttribute("data-audio") === "off" ? " (muted)" : "");
  }

  private drop(from: string, p: Peer): void {
    p.pc.close();
    if (p.tile) p.tile.remove();
    this.peers.delete(from);
  }

  // ---- panel ----

  private renderStatus(): void {
    if (!this.status) return;
    const names = Array.from(this.names.values());
    const connected = Array.from(this.peers.values()).some((p) => p.pc.connectionState === "connected");
    if (connected) this.reconnecting = false;
    this.status.setAttribute("data-state", this.reconnecting ? "reconnecting" : connected ? "connected" : this.phase);
    this.status.textContent = this.reconnecting
      ? "Reconnecting the call…"
      : this.phase === "joining"
        ? "Joining the call…"
        : connected
          ? "In a call with " + (names.join(", ") || "support")
          : "Connecting…";
  }

  private renderPanel(): void {
    if (!this.panel) {
      this.status = el("p", { "data-tandem-ui": "call-status", role: "status", "aria-live": "polite" });
      this.tiles = el("div", { class: "tiles" });
      this.controls = el("div", { class: "row" });
      this.panel = el("div", { class: "card call", role: "region", "aria-label": "Call with support", "data-tandem-ui": "call" }, this.status, this.tiles, this.controls);
      this.slot.prepend(this.panel);
    }
    // The remote tiles stay put (moving a playing element could pause it).
    if (this.hasVideo() && !this.self) {
      this.self = el("video", { class: "self", "data-tandem-ui": "call-self", autoplay: "", playsinline: "", "aria-label": "Your camera" });
      this.self.muted = true;
      this.self.srcObject = this.local;
      this.panel.insertBefore(this.self, this.controls);
    }
    const row: Node[] = [];
    if (this.hasAudio()) {
      const mute = button("call-mute", this.muted ? "Unmute" : "Mute", () => this.toggleMute());
      mute.setAttribute("aria-pressed", String(this.muted));
      row.push(mute);
    }
    if (this.hasVideo()) {
      const cam = button("call-camera", this.cameraOff ? "Camera on" : "Camera off", () => this.toggleCamera());
      cam.setAttribute("aria-pressed", String(this.cameraOff));
      row.push(cam);
    }
    row.push(button("call-hangup", "Hang up", () => this.hangup(), "hang"));
    (this.controls as HTMLElement).replaceChildren(...row);
    this.renderStatus();
  }

  /** Ends the call on this page: stops every track and closes every connection. */
  end(): void {
    for (const [from, p] of this.peers) this.drop(from, p);
    if (this.local) for (const t of this.local.getTracks()) t.stop();
    this.local = null;
    if (this.ask) this.ask.remove();
    if (this.panel) this.panel.remove();
    if (this.self) this.self.srcObject = null;
    this.ask = this.panel = this.tiles = this.status = this.controls = null;
    this.self = null;
    this.callId = "";
    this.phase = "";
    this.muted = this.cameraOff = this.reconnecting = false;
    this.names.clear();
  }
}
