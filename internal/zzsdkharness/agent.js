// A scripted agent in a page on Tandem's origin (cookie-authenticated).
window.mkAgent = function (name) {
  const A = { name, frames: [], you: null, ws: null, pcs: {}, call: null, results: [], snaps: [], evs: [], relay: false, media: [] };
  A.connect = (id) => new Promise((res, rej) => {
    const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/api/v1/assists/" + id + "/ws");
    A.ws = ws;
    ws.onmessage = (m) => {
      const t = m.data; const i = t.indexOf("\n");
      const h = JSON.parse(i < 0 ? t : t.slice(0, i));
      let p = null; try { p = i < 0 ? null : JSON.parse(t.slice(i + 1)); } catch (e) { p = t.slice(i + 1); }
      A.on(h, p);
    };
    ws.onopen = () => res(true);
    ws.onerror = () => rej(new Error("ws error"));
  });
  A.send = (k, p) => A.ws.send(JSON.stringify({ k }) + (p === undefined ? "" : "\n" + JSON.stringify(p)));
  A.on = (h, p) => {
    if (h.k === "ping") { A.ws.send(JSON.stringify({ k: "pong", t: h.t })); return; }
    if (h.k === "snap") { A.snaps.push(p); return; }
    if (h.k === "ev") { A.evs.push(...p); return; }
    if (["meta", "ref", "sync", "leave", "health", "presence"].includes(h.k)) return;
    // The server relays op.result and repair.answer base64-encoded (a []byte marshalled as JSON): decode.
    if (typeof p === "string" && (h.k === "op.result" || h.k === "repair.answer")) { A.base64 = true; p = JSON.parse(atob(p)); }
    A.frames.push({ k: h.k, p });
    if (h.k === "you") A.you = p;
    if (h.k === "call.state") A.onCallState(p);
    if (h.k === "rtc") A.onRTC(p);
    if (h.k === "op.result") A.results.push(p);
    if (h.k === "call.media") A.media.push(p);
  };
  A.kinds = () => A.frames.map((f) => f.k);
  A.last = (k) => { for (let i = A.frames.length - 1; i >= 0; i--) if (A.frames[i].k === k) return A.frames[i].p; return null; };
  A.peer = (to, st) => {
    const pc = new RTCPeerConnection({ iceServers: st.iceServers, iceTransportPolicy: A.relay ? "relay" : "all" });
    A.pcs[to] = pc;
    pc.onicecandidate = (e) => e.candidate && A.send("rtc", { callId: st.callId, to, candidate: e.candidate.toJSON() });
    pc.ontrack = (e) => { A.remote = e.streams[0]; };
    return pc;
  };
  A.onCallState = async (p) => {
    A.call = p;
    if (p.state === "ended" || p.state === "declined") { for (const k in A.pcs) A.pcs[k].close(); A.pcs = {}; if (A.stream) A.stream.getTracks().forEach((t) => t.stop()); A.stream = null; A.joined = false; return; }
    if (p.state !== "active" || !p.iceServers) return;
    if (!A.stream) A.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: !!p.video });
    // Offer to members we have no connection with, if we are the newer side:
    // to the person always (we were there first); to agents when we joined.
    for (const m of p.members) {
      if (m.id === A.you.conn || A.pcs[m.id]) continue;
      if (m.id !== "person" && !A.joined) continue;
      const pc = A.peer(m.id, p);
      A.stream.getTracks().forEach((t) => pc.addTrack(t, A.stream));
      await pc.setLocalDescription(await pc.createOffer());
      A.send("rtc", { callId: p.callId, to: m.id, description: pc.localDescription.toJSON() });
    }
  };
  A.onRTC = async (p) => {
    let pc = A.pcs[p.from];
    if (!pc) { pc = A.peer(p.from, A.call); if (A.stream) A.stream.getTracks().forEach((t) => pc.addTrack(t, A.stream)); }
    if (p.description) {
      await pc.setRemoteDescription(p.description);
      if (p.description.type === "offer") { await pc.setLocalDescription(); A.send("rtc", { callId: A.call.callId, to: p.from, description: pc.localDescription.toJSON() }); }
    } else if (p.candidate) await pc.addIceCandidate(p.candidate).catch(() => {});
  };
  A.stats = async () => {
    let inb = 0, out = 0;
    for (const k in A.pcs) (await A.pcs[k].getStats()).forEach((s) => { if (s.type === "inbound-rtp") inb += s.bytesReceived || 0; if (s.type === "outbound-rtp") out += s.bytesSent || 0; });
    return { inb, out, n: Object.keys(A.pcs).length };
  };
  // nodeId finds the rrweb id of the element with this id attribute in the snapshots and adds.
  A.nodeId = (elId) => {
    let found = 0;
    const walk = (n) => { if (!n) return; if (n.type === 2 && n.attributes && n.attributes.id === elId) found = n.id; (n.childNodes || []).forEach(walk); };
    for (const s of A.snaps) for (const e of s) if (e.type === 2) walk(e.data.node);
    for (const e of A.evs) if (e.type === 3 && e.data.source === 0) for (const a of e.data.adds) walk(a.node);
    return found;
  };
  return A;
};
