// Types shared by the loader (sdk.js) and the recorder (recorder.js). The two
// are separate bundles: the loader injects the recorder only once the person
// has allowed, and they meet through window.__tandemRecorder.

import type { KindEv, KindLeave, KindMeta, KindRef, KindSnap } from "../shared/protocol";
import type { Channel, ChannelState } from "./channel";
import type { PassportUser } from "./passport-claims";
import type { SiteConfig, SiteSource } from "./site";
import type { Session, State } from "./state";
import type { Stored } from "./storage";
import type { WaitNotice } from "./waiting";

/** Kinds of data frame the recorder produces (docs/protocol.md). */
export type DataKind = typeof KindMeta | typeof KindSnap | typeof KindRef | typeof KindEv | typeof KindLeave;

/** A data frame before the loader gives it a sequence number. */
export interface RecorderFrame {
  k: DataKind;
  p: string; // page id
  h?: string; // snapshot hash, for snap and ref
  d?: string; // JSON payload (no raw newline)
  /**
   * For a ref: the payload of the full snap it stands for. Kept (never sent)
   * until the server acknowledges the ref, in case the server no longer has
   * that snapshot (close code 4412) and the frame must go out as a snap.
   */
  full?: string;
}

/** What the recorder needs to know; the loader builds it. */
export interface RecorderOptions {
  /** Tandem's base URL, e.g. "https://tandem.example.com"; its own requests are never captured. */
  base: string;
  /** The assist these events belong to: keys the per-assist page cache. */
  assistId: string;
  /** Mask every input and text unless data-tandem-unmask. */
  strictMasking: boolean;
  /** Record request and response bodies (capped, never Tandem's own). */
  captureBodies: boolean;
  /** Extra selectors from Tandem.mask / unmask / block. */
  mask: string[];
  unmask: string[];
  block: string[];
  /** CSS class and attribute of the Tandem UI's host element, which is never recorded. */
  uiClass: string;
  /** The screen the page describes through Tandem.screen: recorded instead of the DOM. */
  screen?: ScreenSource | null;
  /** The site's screen mapping (docs/native-screens.md); null for the default. */
  screenMapping?: unknown;
}

/** What the page told Tandem.screen since the recorder listened. */
export type ScreenCall = { kind: "screen" } | { kind: "update"; changes: unknown[] } | { kind: "touch"; x: number; y: number };

/** The screen a page describes (kept by the loader, read by the recorder). */
export interface ScreenSource {
  /** The current view tree (plain data). */
  readonly tree: unknown;
  /** The page's name for the screen ("" when none). */
  readonly page: string;
  /** Told of every call; the recorder sets it while it runs. */
  listener: ((c: ScreenCall) => void) | null;
}

/** A running recorder. */
export interface RecorderHandle {
  /** Take a full snapshot. force sends it even if the agent has it cached. */
  snapshot(force: boolean): void;
  /** Forget which pages were sent (frames were lost) so the next snapshot is full. */
  forget(): void;
  /** Send batched events now. */
  flush(): void;
  /** Send a leave frame for the current page (the page is going away). */
  leave(): void;
  /** Remove every hook and stop rrweb. */
  stop(): void;
  /** The page's node with this rrweb mirror id (what the agent's mirror calls it), or null. */
  node(id: number): Node | null;
}

/** What the interaction module (calls, pointer, control, repairs) needs from the loader. */
export interface InteractHost {
  /** The assist it serves: keys what the person granted in sessionStorage. */
  assistId: string;
  /** The control's open shadow root: the overlay goes here, never recorded. */
  root: ShadowRoot;
  /** Where prompts and panels stack, above the loader's own control. */
  slot: HTMLElement;
  /** Sends a control frame on the person's channel. */
  send(kind: string, payload?: unknown): void;
  /** The page's node with this rrweb mirror id, or null (no recorder yet, or gone). */
  node(id: number): Node | null;
  /** The masking rules in force: the site's strict mode and Tandem.mask/unmask/block. */
  rules(): { strict: boolean; mask: string[]; unmask: string[]; block: string[] };
}

/** A running interaction module. */
export interface InteractHandle {
  /** An interaction frame from the server: its kind and decoded payload. */
  frame(kind: string, payload: Record<string, unknown>): void;
  /**
   * Hangs up, closes every peer connection, stops the camera and microphone
   * and removes the overlay and panels. final: the assist is over, so the
   * person's grant of control is forgotten too (not on a page change).
   */
  stop(final: boolean): void;
}

/** The recorder bundle's entry points, set on window by recorder.js. */
export interface RecorderModule {
  /** Starts recording; report gets problems of a described screen (Tandem.screen), which are the page's. */
  start(options: RecorderOptions, emit: (f: RecorderFrame) => void, report?: (e: unknown) => void): RecorderHandle;
  /** Starts the interaction module (it lives in the recorder's bundle, loaded after consent). */
  interact(host: InteractHost): InteractHandle;
}

/** What the chat panel (chat.js, loaded when a conversation exists or the person opens it) needs from the loader. */
export interface ChatHost {
  /** Tandem's base URL. */
  base: string;
  siteKey: string;
  /** Where the panel goes, in the control's shadow root (never recorded). */
  slot: HTMLElement;
  /** The control's shadow root: the panel adds its style sheet here. */
  root: ShadowRoot;
  /** The person's conversation, or null before one is made. */
  conversation(): { id: string; token: string } | null;
  /** Keeps a new conversation for this tab (sessionStorage). */
  setConversation(c: { id: string; token: string } | null): void;
  /** The newest message seq the person has seen, kept for the tab. */
  lastRead(): number;
  setLastRead(seq: number): void;
  /** Who the person is (Tandem.identify, or the anonymous id). */
  personId(): string;
  /** Calls Tandem's API (JSON), with the person token when given; throws an ApiError. */
  api(method: string, path: string, body?: unknown, token?: string): Promise<any>;
  /** The page's fetch as it was when the loader started (never recorded). */
  fetch: typeof fetch;
  /** Joins an assist with the token of an invite link (as a link #tandem-invite=TOKEN does). */
  redeem(token: string): void;
  /** The unread count the launcher shows while the panel is closed. */
  unread(n: number): void;
  /** The person closed the panel. */
  closed(): void;
}

/** The running chat panel. */
export interface ChatHandle {
  /** Shows the panel (making the conversation if there is none yet). */
  open(): void;
  /** Hides the panel; live events still count as unread. */
  close(): void;
  /** Takes up the conversation the loader now has (a help request made one). */
  changed(): void;
}

/** The chat bundle's entry point, set on window by chat.js. */
export interface ChatModule {
  start(host: ChatHost): ChatHandle;
}

/** What Tandem.passport's onChange callbacks receive: signed in or out, and why. */
export interface PassportChange {
  user: PassportUser | null;
  /** signed_in, refreshed, renewed (a new sign-in from the authkey after the old one expired), signed_out, or the passport's reason: signed_in_elsewhere, revoked, reused, logged_out, expired… */
  reason: string;
}

/** What the loader gives the passport bundle (passport.js) when it starts it. */
export interface PassportHost {
  /** Tandem's base URL and the site's key (config.ts). */
  base: string;
  siteKey: string;
  /** The page's fetch as it was when the loader ran (http.ts): never the recorder's. */
  fetch: typeof fetch;
  /** Tells the page's onChange callbacks, which the loader keeps. */
  emit(c: PassportChange): void;
}

/** The passport bundle's entry points, set on window by passport.js. */
export interface PassportModule {
  /** Finishes a sign-in coming back from the passport, or checks the cached one, and follows it. */
  start(host: PassportHost): Promise<void>;
  signIn(opts: { redirectUri?: string }): Promise<void>;
  signOut(): Promise<void>;
  token(): Promise<string | null>;
  user(): PassportUser | null;
  currentToken(): string | null;
}

/**
 * What the loader gives the tabs bundle (tabs.js) when it starts it: the
 * site's BroadcastChannel and this tab's identity as the loader's listener
 * (tabs-host.ts) set them up, the messages it heard meanwhile, and the
 * loader's assist, read through getters (they change) and changed through
 * its own functions (the loader keeps the one copy of the assist).
 */
export interface TabsHost {
  bc: BroadcastChannel;
  /** This tab's id (kept in sessionStorage) and this page's random id. */
  me: string;
  page: string;
  /** When this tab last came into view or got focus (0: not since it loaded). */
  focusedAt: number;
  /** What the other tabs said before the bundle ran, oldest first. */
  heard: unknown[];
  readonly channel: Channel | null;
  readonly session: Session | null;
  readonly state: State;
  readonly passive: boolean;
  readonly recorder: RecorderHandle | null;
  begin(assistId: string, token: string, s: State, saved?: ChannelState, savedSite?: SiteConfig): void;
  end(): void;
  finish(reason: string, told?: boolean): void;
  stopRecorder(): void;
  stopInteraction(final: boolean): void;
  learnSite(s: Partial<SiteConfig>, from: SiteSource): void;
  setChannel(c: Channel | null): void;
  setPassive(p: boolean): void;
  setPrompt(text: string): void;
  setSession(s: Session | null): void;
  setState(s: State): void;
  stored(): Stored;
}

/** The tabs bundle's entry points, set on window by tabs.js (tabs.ts says what each does). */
export interface TabsModule {
  start(host: TabsHost): void;
  receive(m: unknown): void;
  hello(): void;
  replaced(): boolean;
  tabsLive(): void;
  askHolderToEnd(): boolean;
  tellEnded(assistId: string, reason: string): void;
  bye(): void;
}

/** The screen bundle's entry points, set on window by screen.js: Tandem.screen's calls (checked and copied by the loader), and the tree the recorder reads. */
export interface ScreenModule {
  /** onFirst runs when the page first describes a screen. */
  start(onFirst: () => void): void;
  source(): ScreenSource | null;
  setScreen(tree: unknown, opts?: { page?: string }): void;
  update(changes: unknown[]): void;
  touch(x: number, y: number): void;
}

/** The waiting notices' bundle, set on window by waiting.js (waiting-notice.ts). */
export interface WaitingModule {
  noticeParts(notice: WaitNotice, error: string, leave: (text: string) => void, msg: (text: string) => HTMLElement): HTMLElement[];
}

declare global {
  interface Window {
    __tandemRecorder?: RecorderModule;
    __tandemChat?: ChatModule;
    __tandemPassport?: PassportModule;
    __tandemTabs?: TabsModule;
    __tandemScreen?: ScreenModule;
    __tandemWaiting?: WaitingModule;
  }
}
