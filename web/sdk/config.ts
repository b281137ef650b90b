// The loader's configuration, read once at start from its own script tag
//
//   <script src="https://TANDEM/sdk.js" data-site="KEY" data-button="false" async></script>
//
// and from window.TandemConfig = {siteKey, button}, which wins over the tag.
// The script's own URL says where the server is: every request goes to the
// origin and path prefix sdk.js came from (docs/sdk.md, "Embedding").

/** window.TandemConfig, set by the page before the script runs. */
interface PageConfig {
  siteKey?: string;
  button?: boolean;
}

// Set by the build (build.mjs): /sdk/recorder.HASH.js, the recorder built
// with this loader, named by its content so that browsers may keep it for
// ever and a loader never runs another build's recorder.
declare const TANDEM_RECORDER_PATH: string;

// Set by the build too: /sdk/chat.HASH.js, the chat panel built with this
// loader (loaded only when the person chats).
declare const TANDEM_CHAT_PATH: string;

// And /sdk/passport.HASH.js, the passport's sign-in (passport-host.ts).
declare const TANDEM_PASSPORT_PATH: string;

// And /sdk/tabs.HASH.js, following the person across tabs (tabs-host.ts).
declare const TANDEM_TABS_PATH: string;

// And /sdk/screen.HASH.js, Tandem.screen's tree keeping (screen-host.ts).
declare const TANDEM_SCREEN_PATH: string;

// And /sdk/waiting.HASH.js, the waiting notices (waiting-host.ts).
declare const TANDEM_WAITING_PATH: string;

/** The recorder's path under base, with the recorder's content hash in it. */
export const recorderPath: string = TANDEM_RECORDER_PATH;
/** The chat panel's path under base, with its content hash in it. */
export const chatPath: string = TANDEM_CHAT_PATH;
/** The passport bundle's path under base (Tandem.passport's sign-in; loaded when the page needs it). */
export const passportPath: string = TANDEM_PASSPORT_PATH;
/** The tabs bundle's path under base (following the person across tabs; loaded when there is an assist to follow). */
export const tabsPath: string = TANDEM_TABS_PATH;
/** The screen bundle's path under base (Tandem.screen's tree; loaded on the page's first call). */
export const screenPath: string = TANDEM_SCREEN_PATH;
/** The waiting notices' path under base (no agent available, no pick-up; loaded when a wait has one). */
export const waitingPath: string = TANDEM_WAITING_PATH;

/** The site's public key. */
export let siteKey = "";
/** Tandem's base URL: the directory sdk.js came from, without a trailing slash. */
export let base = "";
/** Whether to show the default help control (data-button="false" or TandemConfig.button = false hide it). */
export let button = true;
/** The sessionStorage key of the assist this tab takes part in (storage.ts), one per site. */
export let storeKey = "";
/** The loader's own script tag, if found; the recorder's tag copies its nonce. */
export let script: HTMLScriptElement | null = null;

/**
 * Reads the configuration from the loader's script tag (the one running,
 * or else the first that looks like it) and window.TandemConfig. Without
 * a site key or a script URL to find the server by, it warns on the
 * console and leaves base empty: the loader then does nothing.
 */
export function configure(): void {
  const tag = (script = (document.currentScript as HTMLScriptElement | null) || document.querySelector<HTMLScriptElement>("script[data-site][src*='sdk.js']"));
  const cfg = (window as { TandemConfig?: PageConfig }).TandemConfig || {};
  siteKey = cfg.siteKey || (tag && tag.getAttribute("data-site")) || "";
  const src = (tag && tag.src) || "";
  if (!siteKey || !src) {
    console.warn("Tandem: the sdk.js script tag needs data-site=\"KEY\"");
    return;
  }
  base = new URL(".", src).href.replace(/\/$/, "");
  storeKey = "tandem.assist." + siteKey;
  button = cfg.button !== false && (!tag || tag.getAttribute("data-button") !== "false");
}
