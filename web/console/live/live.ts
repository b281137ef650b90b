// LiveSession is the live view's model: the agent channel, the page stream
// and the player, plus what the header shows (state, health, presence).

import { AssistState, wsURL } from "../../shared/api";
import { CallSession } from "./call";
import { Channel } from "./channel";
import { browserTimers, SocketState } from "../../shared/socket";
import { Frame, isData, payloadOf } from "./frames";
import { LivePlayer } from "../../shared/replay/player";
import { Health } from "./health";
import { AgentPresence, Interact } from "./interact";
import { PageStream } from "../../shared/replay/stream";
import { nextPersonLink, PersonLink } from "./presence";
import { parseTabs, PersonTab } from "./tabs";
import { CloseBadToken, CloseEnded, KindEnded, KindHealth, KindJoinWait, KindPresence, KindSnapshot, KindState, KindSync, KindTabs } from "../../shared/protocol";

/** The `presence` frame's payload. */
export interface Presence {
  person?: "connected" | "away" | string;
  agents?: AgentPresence[];
}

/** LiveSession connects to one assist's agent channel. */
export class LiveSession {
  readonly player: LivePlayer;
  readonly stream: PageStream;
  readonly channel: Channel;
  /** Control, pointers, strokes, repairs and toasts. */
  readonly interact: Interact;
  /** The call, if any. */
  readonly calls: CallSession;
  state: AssistState | null = null;
  endReason: string | null = null;
  health: Health | null = null;
  presence: Presence | null = null;
  /** The person's tabs of the site, the one the mirror follows in front (tabs.tsx); null until the page says. */
  tabs: PersonTab[] | null = null;
  /** The person's connection, as the participants strip shows it. */
  personLink: PersonLink = "unknown";
  link: SocketState = "connecting";
  closeCode: number | null = null;
  /** Set while a ref named a snapshot this view does not hold and a fresh one was asked for. */
  awaitingSnapshot = false;
  /** What the server says while this agent waits for the person to let them join (the site asks for each agent). */
  joinWait: string | null = null;

  private readonly onChange: () => void;
  private askTimer: ReturnType<typeof setTimeout> | null = null;
  private asked = false; // a snapshot was asked for since the player last started over

  constructor(assistId: string, onChange: () => void, onUnauthorized: () => void) {
    this.onChange = onChange;
    this.player = new LivePlayer(onChange);
    const player = this.player;
    this.stream = new PageStream(
      {
        reset: () => {
          this.asked = false;
          player.reset();
        },
        events: (evs) => {
          this.awaitingSnapshot = false;
          player.events(evs);
          this.watchDrawn();
        },
        missing: () => {
          player.reset();
          this.askForSnapshot();
        },
      },
      { resetOnSnapshot: true },
    );
    const send = (k: string, payload?: unknown) => this.channel.send({ k }, payload);
    this.interact = new Interact({ send, onChange, timers: browserTimers });
    const interact = this.interact;
    this.calls = new CallSession({ send, onChange, me: () => interact.me?.conn ?? "", toast: (t) => interact.toast(t) });
    this.interact.call = this.calls;
    this.channel = new Channel({
      url: (from) => wsURL(`/assists/${encodeURIComponent(assistId)}/ws?from=${from}`),
      onFrame: (f) => this.frame(f),
      onState: (s, code) => {
        this.link = s;
        if (code !== undefined) this.closeCode = code;
        if (s !== "open") {
          // The server drops a closed channel's control and call membership.
          this.interact.disconnected();
          this.calls.disconnected();
        }
        if (s === "closed" && code === CloseEnded) this.state = "ended";
        if (s === "closed" && code === CloseBadToken) onUnauthorized();
        onChange();
      },
      log: (m) => console.debug("tandem channel:", m),
    });
  }

  /** The sequence number of the last data frame applied. */
  get lastApplied(): number {
    return this.channel.lastApplied;
  }

  start(): void {
    this.channel.start();
  }

  stop(): void {
    if (this.askTimer !== null) clearTimeout(this.askTimer);
    this.askTimer = null;
    this.channel.stop();
    this.player.detach();
    this.calls.teardown();
    this.interact.stop();
  }

  /** Asks the person's page for a fresh full snapshot. */
  requestSnapshot(): void {
    this.channel.send({ k: KindSnapshot });
  }

  private askForSnapshot(): void {
    this.asked = true;
    this.awaitingSnapshot = true;
    this.channel.send({ k: KindSnapshot });
  }

  // Events without a snapshot to apply them to (say, a resume that began
  // mid-page) leave the mirror blank: if nothing is drawn a few seconds after
  // events arrive, ask the page for a fresh snapshot, once.
  private watchDrawn(): void {
    if (this.player.drawn || this.asked || this.askTimer !== null) return;
    this.askTimer = setTimeout(() => {
      this.askTimer = null;
      if (this.player.drawn || this.asked || this.link !== "open" || this.state === "ended") return;
      this.askForSnapshot();
      this.onChange();
    }, 4000);
  }

  private frame(f: Frame): void {
    const h = f.header;
    if (h.k === KindSync) {
      this.stream.sync(h.from ?? 1);
    } else if (isData(h)) {
      this.stream.apply(h.k, h.s as number, h.p, h.h, payloadOf<unknown>(f, undefined));
    } else {
      switch (h.k) {
        case KindJoinWait:
          this.joinWait = payloadOf<{ text?: string }>(f, {})?.text || "Waiting for the person to allow you to join";
          break;
        case KindState: {
          this.joinWait = null; // admitted: the state comes first
          const p = payloadOf<{ state?: AssistState; reason?: string }>(f, {});
          if (p.state) this.state = p.state;
          if (p.reason) this.endReason = p.reason;
          if (p.state === "ended") this.channel.stop();
          break;
        }
        case KindEnded: {
          const p = payloadOf<{ reason?: string }>(f, {});
          this.state = "ended";
          this.endReason = p.reason ?? this.endReason;
          this.channel.stop();
          break;
        }
        case KindHealth:
          this.health = payloadOf<Health>(f, {});
          break;
        case KindTabs:
          this.tabs = parseTabs(payloadOf<unknown>(f, null));
          break;
        case KindPresence:
          this.presence = payloadOf<Presence>(f, {});
          this.personLink = nextPersonLink(this.personLink, this.presence?.person);
          break;
        default:
          if (!this.interact.frame(h.k, payloadOf<Record<string, unknown>>(f, {}) ?? {})) return;
      }
    }
    this.onChange();
  }
}
