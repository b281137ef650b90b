// The Tandem loader (sdk.js): the small script a site embeds with
//
//   <script src="https://TANDEM/sdk.js" data-site="KEY" async></script>
//
// It shows the help control, files help requests, redeems invites, keeps the
// person's channel, and asks for consent. Nothing of the page is read or sent
// before the person allows (or redeems an invite); only then does it load the
// recorder (recorder.js) from the same server. See docs/sdk.md.

import { Channel, type ChannelState, type Frame } from "./channel";
import { pageIdFor, pagesKey, urlWithoutFragment } from "./hash";
import type { InteractHandle, RecorderFrame, RecorderHandle, RecorderModule, RecorderOptions } from "./types";
import { UI, uiClass, type View } from "./ui";

type State = "idle" | "waiting" | "consenting" | "live" | "ended";
type Listener = (data: unknown) => void;

/** What survives a full navigation in the same tab (sessionStorage). */
interface Stored {
  assistId: string;
  token: string;
  state: State;
  prompt?: string;
  site?: SiteConfig;
  channel?: ChannelState;
}

interface SiteConfig {
  strictMasking: boolean;
  captureBodies: boolean;
}

interface Session {
  assistId: string;
  token: string;
}

/** An error from Tandem's API: {"error":{"code","message"}}. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// Unacknowledged frames handed to the next page are capped so that
// sessionStorage (shared with the site) never fills up.
const persistLimit = 2_000_000;
const endedMessageMs = 4000;

// Frames for the interaction module (calls, pointer and drawing, remote
// control, repairs), which lives in the recorder's bundle.
const interactKinds = ["call", "call.state", "rtc", "call.media", "pointer", "draw", "control.request", "control.state", "op", "repair.request"];

const ss = {
  get(k: string): string | null {
    try {
      return sessionStorage.getItem(k);
    } catch {
      return null;
    }
  },
  set(k: string, v: string): boolean {
    try {
      sessionStorage.setItem(k, v);
      return true;
    } catch {
      return false;
    }
  },
  del(k: string): void {
    try {
      sessionStorage.removeItem(k);
    } catch {
      // storage disabled: nothing to remove
    }
  },
};

function randomId(): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function validSelector(sel: string): string {
  document.createDocumentFragment().querySelector(sel); // throws on a bad selector
  return sel;
}

function boot(): void {
  const w = window as unknown as { Tandem?: { __tandem?: boolean; q?: [string, unknown[]][] }; TandemConfig?: { button?: boolean; siteKey?: string } };
  const prior = w.Tandem;
  if (prior && prior.__tandem) return; // embedded twice
  const script = (document.currentScript as HTMLScriptElement | null) || document.querySelector<HTMLScriptElement>("script[data-site][src*='sdk.js']");
  const cfg = w.TandemConfig || {};
  const siteKey = cfg.siteKey || (script && script.getAttribute("data-site")) || "";
  const src = (script && script.src) || "";
  if (!siteKey || !src) {
    console.warn("Tandem: the sdk.js script tag needs data-site=\"KEY\"");
    return;
  }
  const base = new URL(".", src).href.replace(/\/$/, "");
  const storeKey = "tandem.assist." + siteKey;
  const button = cfg.button !== false && (!script || script.getAttribute("data-button") !== "false");
  const nativeFetch = window.fetch.bind(window);

  let state: State = "idle";
  let session: Session | null = null;
  let channel: Channel | null = null;
  let recorder: RecorderHandle | null = null;
  let recorderModule: Promise<RecorderModule> | null = null;
  let interaction: InteractHandle | null = null;
  // Interaction frames that arrived before the recorder's bundle, in order.
  let interactQueue: [string, Record<string, unknown>][] = [];
  let starting = false;
  let promptText = "";
  let idleMessage = "";
  let endedMessage = "";
  let configLoaded = false;
  let busy = false;
  let endedTimer = 0;
  const site: SiteConfig = { strictMasking: false, captureBodies: false };
  // The site settings the running recorder was started with.
  let recording: SiteConfig | null = null;
  // The recorder waits for the assist's site settings (from this assist's
  // welcome frame, or the previous page's copy of it) so that it masks the
  // right way from its first snapshot. The config endpoint's answer, which
  // may be older than the page, only fills in until then.
  let siteFrom = "";
  let siteReady = () => {};
  let siteKnown = Promise.resolve();
  const resetSite = () => {
    siteFrom = "";
    siteKnown = new Promise<void>((r) => (siteReady = r));
  };
  const learnSite = (s: Partial<SiteConfig>, from: "stored" | "config" | "welcome") => {
    if (from === "config" && siteFrom === "welcome") return;
    site.strictMasking = !!s.strictMasking;
    site.captureBodies = !!s.captureBodies;
    siteFrom = from;
    if (from !== "config") siteReady();
    if (recording && (recording.strictMasking !== site.strictMasking || recording.captureBodies !== site.captureBodies)) {
      restartRecorder();
    }
  };
  const selectors = { mask: [] as string[], unmask: [] as string[], block: [] as string[] };
  const listeners: Record<string, Listener[]> = {};
  let identified = ss.get("tandem.person") || "";

  const emit = (event: string, data: unknown) => {
    for (const fn of (listeners[event] || []).slice()) {
      try {
        fn(data);
      } catch (e) {
        setTimeout(() => {
          throw e;
        });
      }
    }
  };

  const ui = new UI(
    {
      help: () => void requestHelp(),
      cancel: () => end(),
      allow: () => consent(true),
      deny: () => consent(false),
      end: () => end(),
      code: (code) => void redeem({ code }),
    },
    button,
  );

  function render(): void {
    let view: View | null = null;
    switch (state) {
      case "idle":
        view = configLoaded || idleMessage ? { kind: "idle", message: idleMessage } : null;
        break;
      case "waiting":
        view = { kind: "waiting" };
        break;
      case "consenting":
        view = { kind: "prompt", text: promptText || "Support wants to see this page" };
        break;
      case "live":
        view = { kind: "live" };
        break;
      case "ended":
        view = endedMessage ? { kind: "ended", message: endedMessage } : { kind: "idle", message: idleMessage };
        break;
    }
    if (view) ui.render(view);
  }

  function setState(s: State): void {
    const was = state;
    state = s;
    if (s !== "ended") endedMessage = "";
    saveCore();
    render();
    if (was !== s) {
      emit("state", s);
      if (s === "live") emit("live", { assistId: session && session.assistId });
    }
  }

  function personId(): string {
    if (identified) return identified;
    let anon = "";
    try {
      anon = localStorage.getItem("tandem.anonymous") || "";
      if (!anon) {
        anon = "anonymous-" + randomId();
        localStorage.setItem("tandem.anonymous", anon);
      }
    } catch {
      anon = anon || "anonymous-" + randomId();
    }
    identified = anon;
    return anon;
  }

  // pageInfo is all a help request or invite reveals before consent: where
  // the person is (without the URL's fragment), who, and the window size.
  function pageInfo() {
    return {
      siteKey,
      pageId: pageIdFor(location.href),
      url: urlWithoutFragment(location.href),
      title: document.title,
      personId: personId(),
      userAgent: navigator.userAgent,
      viewport: { width: window.innerWidth, height: window.innerHeight, dpr: window.devicePixelRatio || 1 },
    };
  }

  async function api(method: string, path: string, body?: unknown): Promise<any> {
    const res = await nativeFetch(base + path, {
      method,
      mode: "cors",
      credentials: "omit",
      headers: body === undefined ? undefined : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) {
      const e = (json && json.error) || {};
      throw new ApiError(res.status, e.code || "http_" + res.status, e.message || res.statusText);
    }
    return json;
  }

  function fail(message: string, err: unknown): void {
    idleMessage = message;
    render();
    emit("error", { message, code: err instanceof ApiError ? err.code : "network", cause: err instanceof Error ? err.message : String(err) });
  }

  // ---- the assist's life ----

  async function requestHelp(): Promise<void> {
    if (busy || session) return;
    busy = true;
    idleMessage = "";
    try {
      const r = await api("POST", "/api/v1/public/help-requests", pageInfo());
      begin(r.assistId, r.personToken, r.state === "live" ? "live" : "waiting");
    } catch (e) {
      fail("Could not reach support. Please try again.", e);
    } finally {
      busy = false;
    }
  }

  async function redeem(by: { token?: string; code?: string }): Promise<void> {
    if (busy) return;
    if (session) end();
    busy = true;
    idleMessage = "";
    try {
      const r = await api("POST", "/api/v1/public/invites/redeem", { ...pageInfo(), ...by });
      begin(r.assistId, r.personToken, "live");
    } catch (e) {
      const code = e instanceof ApiError ? e.code : "";
      const text =
        code === "not_found" || code === "invalid"
          ? "That code is not valid."
          : code === "expired"
            ? "That invite has expired."
            : code === "used"
              ? "That invite was already used."
              : code === "rate_limited"
                ? "Too many attempts. Please try again later."
                : "Could not reach support. Please try again.";
      fail(text, e);
    } finally {
      busy = false;
    }
  }

  function begin(assistId: string, token: string, s: State, saved?: ChannelState, savedSite?: SiteConfig): void {
    clearTimeout(endedTimer);
    resetSite();
    if (savedSite) learnSite(savedSite, "stored");
    session = { assistId, token };
    idleMessage = "";
    setState(s);
    connect(saved);
    if (s === "live") startRecorder();
  }

  function connect(saved?: ChannelState): void {
    if (!session) return;
    const url =
      base.replace(/^http/, "ws") +
      "/api/v1/public/assists/" +
      encodeURIComponent(session.assistId) +
      "/ws?token=" +
      encodeURIComponent(session.token);
    const ch = new Channel(
      url,
      {
        welcome: (payload, lost) => {
          if (channel !== ch) return;
          welcome(payload, lost);
        },
        frame: (f) => {
          if (channel === ch) control(f);
        },
        closed: (code, reason) => {
          if (channel !== ch) return;
          if (code === 4409) finish("continued in another tab");
          else if (code === 4410) finish(reason || "the assist has ended");
          else finish(reason || "the assist is no longer available");
        },
        forget: () => {
          if (channel === ch && session) ss.del(pagesKey(session.assistId));
        },
      },
      saved,
    );
    channel = ch;
    ch.open();
  }

  function welcome(payload: string, lost: boolean): void {
    let w: { state?: State; site?: { strictMasking?: boolean; captureBodies?: boolean }; prompt?: string } = {};
    try {
      w = JSON.parse(payload || "{}");
    } catch {
      // keep what we know
    }
    if (w.site) {
      learnSite(w.site, "welcome");
      saveCore();
    }
    if (w.prompt) promptText = w.prompt;
    if (lost && session) {
      // The agent's copy missed frames: the next snapshot must be full.
      ss.del(pagesKey(session.assistId));
      if (recorder) recorder.snapshot(true);
    }
    switch (w.state) {
      case "live":
        setState("live");
        startRecorder();
        break;
      case "waiting":
      case "consenting":
        setState(w.state);
        break;
      case "ended":
        finish("the assist has ended");
        break;
    }
  }

  function control(f: Frame): void {
    let p: any = {};
    try {
      p = f.payload ? JSON.parse(f.payload) : {};
    } catch {
      // a control frame without a readable payload
    }
    switch (f.k) {
      case "prompt":
        promptText = String(p.text || "");
        setState("consenting");
        emit("prompt", { text: promptText, agent: p.agent });
        break;
      case "state":
        if (p.state === "live") {
          setState("live");
          startRecorder();
        } else if (p.state === "waiting" || p.state === "consenting") {
          setState(p.state);
        } else if (p.state === "ended") {
          finish(p.reason || "the assist has ended");
        }
        break;
      case "snapshot":
        if (recorder) recorder.snapshot(true);
        break;
      case "ended":
        finish(p.reason || "the assist has ended");
        break;
      case "error":
        // A refused interaction frame: the module puts its panel right.
        if (/^(call|rtc|control|op|repair)/.test(String(p.ref))) interact(f.k, p);
        break;
      default:
        if (interactKinds.indexOf(f.k) >= 0) interact(f.k, p);
    }
  }

  // interact hands a frame to the interaction module, loading the recorder's
  // bundle first if need be. The server sends these only while live.
  function interact(kind: string, p: Record<string, unknown>): void {
    if (!session || state !== "live") return;
    if (interaction) {
      interaction.frame(kind, p);
      return;
    }
    interactQueue.push([kind, p]);
    if (interactQueue.length > 1) return; // already loading
    const id = session.assistId;
    loadRecorder().then(
      (mod) => {
        const q = interactQueue;
        interactQueue = [];
        if (!session || session.assistId !== id || state !== "live") return;
        if (!interaction) {
          interaction = mod.interact({
            assistId: id,
            root: ui.root,
            slot: ui.slot,
            send: (k, payload) => {
              if (channel) channel.send(k, payload);
            },
            node: (n) => (recorder ? recorder.node(n) : null),
            rules: () => ({ strict: site.strictMasking, mask: selectors.mask.slice(), unmask: selectors.unmask.slice(), block: selectors.block.slice() }),
          });
        }
        for (const [k, d] of q) interaction.frame(k, d);
      },
      () => {
        interactQueue = [];
      },
    );
  }

  function stopInteraction(final: boolean): void {
    interactQueue = [];
    if (interaction) interaction.stop(final);
    interaction = null;
  }

  function consent(allow: boolean): void {
    if (!channel || state !== "consenting") return;
    if (allow) {
      channel.send("consent", { allow: true });
      void loadRecorder().catch(() => undefined); // fetch it now; it starts when the server says live
      return;
    }
    channel.finish("consent", { allow: false });
    channel = null;
    finish("denied by the person");
  }

  /** Ends the assist from the person's side: stops capture at once. */
  function end(): void {
    if (!session) return;
    const wasLive = state === "live";
    stopRecorder();
    if (channel) channel.finish("end");
    channel = null;
    finish(wasLive ? "ended by the person" : "cancelled by the person");
  }

  // finish tears down everything of the assist on this page and in storage.
  function finish(reason: string): void {
    if (!session && state !== "live" && state !== "waiting" && state !== "consenting") return;
    stopInteraction(true);
    stopRecorder();
    if (channel) channel.stop();
    channel = null;
    if (session) ss.del(pagesKey(session.assistId));
    session = null;
    promptText = "";
    ss.del(storeKey);
    endedMessage = "Support session ended.";
    setState("ended");
    emit("ended", { reason });
    clearTimeout(endedTimer);
    endedTimer = window.setTimeout(() => {
      endedMessage = "";
      render();
    }, endedMessageMs);
  }

  // ---- the recorder ----

  function loadRecorder(): Promise<RecorderModule> {
    if (window.__tandemRecorder) return Promise.resolve(window.__tandemRecorder);
    if (!recorderModule) {
      recorderModule = new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = base + "/sdk/recorder.js";
        s.async = true;
        if (script && script.nonce) s.nonce = script.nonce;
        s.onload = () => {
          s.remove();
          if (window.__tandemRecorder) resolve(window.__tandemRecorder);
          else reject(new Error("recorder.js did not start"));
        };
        s.onerror = () => {
          s.remove();
          recorderModule = null;
          reject(new Error("could not load " + s.src));
        };
        (document.head || document.documentElement).appendChild(s);
      });
    }
    return recorderModule;
  }

  function options(): RecorderOptions {
    return {
      base,
      assistId: session ? session.assistId : "",
      strictMasking: site.strictMasking,
      captureBodies: site.captureBodies,
      mask: selectors.mask.slice(),
      unmask: selectors.unmask.slice(),
      block: selectors.block.slice(),
      uiClass,
    };
  }

  function push(f: RecorderFrame): void {
    if (!channel) return;
    try {
      channel.push(f);
    } catch (e) {
      emit("error", { message: "Part of the page could not be shared.", code: "too_large", cause: String(e) });
    }
  }

  function startRecorder(): void {
    if (recorder || starting || !session) return;
    starting = true;
    Promise.all([loadRecorder(), siteKnown]).then(
      ([mod]) => {
        starting = false;
        if (recorder || state !== "live" || !session) return;
        recording = { ...site };
        recorder = mod.start(options(), push);
      },
      (e) => {
        starting = false;
        emit("error", { message: "Could not start sharing this page.", code: "recorder", cause: String(e) });
      },
    );
  }

  function stopRecorder(): void {
    if (recorder) recorder.stop();
    recorder = null;
    recording = null;
  }

  let restartQueued = false;
  function restartRecorder(): void {
    if (restartQueued) return;
    restartQueued = true;
    queueMicrotask(() => {
      restartQueued = false;
      if (!recorder) return;
      stopRecorder();
      startRecorder();
    });
  }

  // ---- surviving navigation ----

  function saveCore(): void {
    if (!session) return;
    // The channel's frames are added on pagehide only: until then they
    // change with every event and live in memory.
    ss.set(storeKey, JSON.stringify(stored()));
  }

  function stored(): Stored {
    const a = session as Session;
    const known = siteFrom === "welcome" || siteFrom === "stored";
    return { assistId: a.assistId, token: a.token, state, prompt: promptText || undefined, site: known ? { ...site } : undefined };
  }

  function readStored(): Stored | null {
    try {
      const s = JSON.parse(ss.get(storeKey) || "null");
      return s && s.assistId && s.token ? s : null;
    } catch {
      return null;
    }
  }

  // The tab is leaving this page (navigation, close, or the back-forward
  // cache). Hand the channel to the next page and close this connection.
  function onPageHide(): void {
    if (!session || !channel) return;
    stopInteraction(false);
    if (recorder) {
      recorder.flush();
      recorder.leave();
    }
    const s = stored();
    for (const limit of [persistLimit, persistLimit / 8, 0]) {
      s.channel = channel.save(limit);
      if (ss.set(storeKey, JSON.stringify(s))) break;
    }
    channel.stop(1000, "page hidden");
    channel = null;
  }

  // Back from the back-forward cache: another page may have moved the
  // assist on (or ended it), so take up whatever storage says now.
  function onPageShow(e: PageTransitionEvent): void {
    if (!e.persisted) return;
    if (channel) channel.stop();
    channel = null;
    const st = readStored();
    if (!st) {
      if (session) finish("the assist has ended");
      return;
    }
    if (!session || session.assistId !== st.assistId) {
      stopRecorder(); // it recorded for another assist
      resetSite();
    }
    session = { assistId: st.assistId, token: st.token };
    promptText = st.prompt || "";
    if (st.site) learnSite(st.site, "stored");
    setState(st.state);
    connect(st.channel);
    if (st.state === "live") {
      if (recorder) recorder.snapshot(false);
      else startRecorder();
    }
  }

  // ---- public API ----

  const Tandem = {
    __tandem: true,
    /** Asks for help; resolves once the request is filed (or failed: see the "error" event). */
    requestHelp,
    /** Ends the assist (or cancels a waiting request); capture stops at once. */
    end,
    /** Redeems an invite code the person was given. */
    redeem: (code: string) => redeem({ code: String(code) }),
    /** Listens for "state", "prompt", "live", "ended" or "error"; returns a function that stops listening. */
    on(event: string, fn: Listener): () => void {
      (listeners[event] = listeners[event] || []).push(fn);
      return () => {
        const l = listeners[event] || [];
        const i = l.indexOf(fn);
        if (i >= 0) l.splice(i, 1);
      };
    },
    /** Names the person in help requests (e.g. your customer id). */
    identify(id: string): void {
      identified = String(id);
      ss.set("tandem.person", identified);
    },
    /** Masks inputs and text matching selector. */
    mask(selector: string): void {
      selectors.mask.push(validSelector(selector));
      restartRecorder();
    },
    /** Exempts elements matching selector from strict masking (never passwords or card numbers). */
    unmask(selector: string): void {
      selectors.unmask.push(validSelector(selector));
      restartRecorder();
    },
    /** Replaces elements matching selector by an empty placeholder of the same size. */
    block(selector: string): void {
      selectors.block.push(validSelector(selector));
      restartRecorder();
    },
    /** idle, waiting, consenting, live or ended. */
    get state(): State {
      return state;
    },
    /** The current assist's id, or null. */
    get assistId(): string | null {
      return session ? session.assistId : null;
    },
  };
  (window as unknown as { Tandem: typeof Tandem }).Tandem = Tandem;

  window.addEventListener("pagehide", onPageHide);
  window.addEventListener("pageshow", onPageShow);

  // Take up an assist a previous page of this tab started.
  const prev = readStored();
  if (prev && (prev.state === "waiting" || prev.state === "consenting" || prev.state === "live")) {
    promptText = prev.prompt || "";
    begin(prev.assistId, prev.token, prev.state, prev.channel, prev.site);
  } else if (prev) {
    ss.del(storeKey);
  }

  // An invite link lands here with #tandem-invite=TOKEN (on load, or as a
  // fragment change when the link points at the page already open). Take
  // the token out of the address bar at once so it is not bookmarked or
  // shared, then redeem it.
  const checkInvite = () => {
    const m = /[#&]tandem-invite=([^&]+)/.exec(location.hash);
    if (!m) return;
    const rest = location.hash.replace(/[#&]tandem-invite=[^&]+/, "").replace(/^[#&]/, "");
    history.replaceState(history.state, "", location.pathname + location.search + (rest ? "#" + rest : ""));
    void redeem({ token: decodeURIComponent(m[1]) });
  };
  checkInvite();
  window.addEventListener("hashchange", checkInvite);

  api("GET", "/api/v1/public/sites/" + encodeURIComponent(siteKey) + "/config").then(
    (c) => {
      learnSite((c && c.site) || c || {}, "config");
      configLoaded = true;
      render();
    },
    (e) => {
      emit("error", { message: "Tandem is not available on this page.", code: e instanceof ApiError ? e.code : "network", cause: String(e) });
    },
  );

  // Calls made before the script loaded: window.Tandem = {q: [["requestHelp", []], ...]}.
  if (prior && Array.isArray(prior.q)) {
    for (const [name, args] of prior.q) {
      const fn = (Tandem as Record<string, unknown>)[name];
      if (typeof fn === "function") fn.apply(Tandem, args || []);
    }
  }
  window.dispatchEvent(new Event("tandem:ready"));
}

boot();
