// The call's controls: the buttons in the toolbar (call, video call, join,
// and the call's state) and the floating panel with the other members'
// audio and video and this agent's microphone, camera and hang-up.

import { useEffect, useRef } from "preact/hooks";
import type { CallTile } from "./call";
import type { LiveSession } from "./live";
import { Avatar, Icon, TipButton } from "../common/ui";

/** The call buttons of the toolbar. */
export function CallButtons({ session }: { session: LiveSession }) {
  const c = session.calls;
  const v = c.view;
  const on = v && (v.state === "ringing" || v.state === "active");
  return (
    <div class="tb-group">
      {v && (
        <span class={`call-state cs-${v.state}`} title="The call">
          <Icon name="phone" size={14} />
          <span data-testid="call-state">{c.reconnecting ? "reconnecting" : v.state}</span>
        </span>
      )}
      {!on && (
        <>
          <TipButton icon="phone" tip="Call the person (voice)" testid="call-voice" onClick={() => c.start(false)} />
          <TipButton icon="video" tip="Video call" testid="call-video" onClick={() => c.start(true)} />
        </>
      )}
      {v?.state === "active" && !c.member && (
        <TipButton icon="phone" tip="Join the call" testid="call-join" tone="primary" onClick={() => c.join()}>
          Join call
        </TipButton>
      )}
    </div>
  );
}

/** The floating call panel, shown while this agent is in a call. */
export function CallPanel({ session, personName }: { session: LiveSession; personName: string }) {
  const c = session.calls;
  const v = c.view;
  if (!v || !c.member) return null;
  const ringing = v.state === "ringing";
  const tiles = c.tiles;
  return (
    <div class="call-panel" data-testid="call-panel" role="region" aria-label="Call">
      <div class="call-head">
        <span class={`call-dot cs-${v.state}`} />
        <span class="call-title">{ringing ? `Calling ${personName}…` : v.video ? "Video call" : "Voice call"}</span>
      </div>
      {c.reconnecting && (
        <div class="call-note" role="status" data-testid="call-reconnecting">
          {personName}'s page changed: reconnecting the call…
        </div>
      )}
      {ringing ? (
        <div class="call-ringing muted small">They are asked to accept. Your microphone{v.video ? " and camera" : ""} turn on when they do.</div>
      ) : (
        <div class={`call-tiles${v.video ? " video" : ""}`}>
          {tiles.map((t) => (
            <RemoteTile key={t.id} tile={t} name={t.id === "person" ? personName : t.name} video={v.video} />
          ))}
          {v.video && c.local && c.hasVideo && <LocalTile stream={c.local} off={c.cameraOff} />}
        </div>
      )}
      {c.mediaNote && <div class="call-note">{c.mediaNote}</div>}
      <div class="call-controls">
        {!ringing && (
          <>
            <TipButton icon={c.muted ? "mic-off" : "mic"} tip={c.muted ? "Unmute" : "Mute"} testid="call-mute" pressed={c.muted} onClick={() => c.toggleMute()} />
            {v.video && (
              <TipButton icon={c.cameraOff ? "video-off" : "video"} tip={c.cameraOff ? "Turn the camera on" : "Turn the camera off"} testid="call-camera" pressed={c.cameraOff} onClick={() => c.toggleCamera()} />
            )}
          </>
        )}
        <TipButton icon="hangup" tip={ringing ? "Cancel the call" : "Hang up"} testid="call-hangup" tone="danger" onClick={() => c.hangup()} />
      </div>
    </div>
  );
}

function RemoteTile({ tile, name, video }: { tile: CallTile; name: string; video: boolean }) {
  const el = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const v = el.current;
    if (v && v.srcObject !== tile.stream) {
      v.srcObject = tile.stream;
      if (tile.stream) v.play().catch(() => undefined);
    }
  }, [tile.stream]);
  const connecting = tile.connection !== "connected";
  const showVideo = video && tile.video && !!tile.stream;
  return (
    <div class={`call-tile${showVideo ? " has-video" : ""}`} data-member={tile.id}>
      <video ref={el} data-testid="call-remote" data-member={tile.id} autoPlay playsInline />
      {!showVideo && <Avatar name={name} size={40} />}
      <div class="tile-label">
        {!tile.audio && (
          <span class="tile-muted" data-testid="call-remote-muted" title={`${name} is muted`}>
            <Icon name="mic-off" size={12} />
          </span>
        )}
        <span>{name}</span>
        {connecting && <span class="tile-wait">{tile.away ? "reconnecting…" : tile.connection === "failed" ? "no connection" : "connecting…"}</span>}
      </div>
    </div>
  );
}

function LocalTile({ stream, off }: { stream: MediaStream; off: boolean }) {
  const el = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (el.current && el.current.srcObject !== stream) el.current.srcObject = stream;
  }, [stream]);
  return (
    <div class={`call-tile self${off ? " off" : ""}`}>
      <video ref={el} autoPlay playsInline muted />
      <div class="tile-label">
        <span>You</span>
      </div>
    </div>
  );
}
