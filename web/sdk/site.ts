// The site's settings that decide how the recorder captures: strict masking
// and request bodies. They come from three places: the config endpoint (when
// the loader starts, maybe older than the page), the assist's welcome frame
// (what the server holds now) and the previous page's copy of the welcome's
// (sessionStorage). The recorder waits for the assist's own settings (the
// welcome's or the stored copy) so that it masks the right way from its
// first snapshot; the config endpoint's answer only fills in until then and
// never overrides the welcome's.

import { siteKey } from "./config";
import { emit } from "./events";
import { api, ApiError } from "./http";

export interface SiteConfig {
  strictMasking: boolean;
  captureBodies: boolean;
  /** How a screen described through Tandem.screen is drawn and masked (docs/native-screens.md); null for the default. */
  screenMapping: unknown;
}

/** Where settings came from: the previous page, the config endpoint, or the welcome frame. */
export type SiteSource = "stored" | "config" | "welcome";

/** The settings in force; changed in place. */
export const site: SiteConfig = { strictMasking: false, captureBodies: false, screenMapping: null };

/** Where the settings in force came from ("" while waiting for a new assist's). */
export let siteFrom: SiteSource | "" = "";
/** Whether the config endpoint has answered: the help control shows only then (or with an error). */
export let siteLoaded = false;
let siteReady = () => {};
/** Resolves once the assist's own settings are known (at once when no assist has started). */
export let siteKnown = Promise.resolve();
let changed = () => {};

/** Sets what runs after the settings change: the recorder restarts if it runs with others (wired in loader.ts). */
export function onSiteChange(fn: () => void): void {
  changed = fn;
}

/** Starts waiting for a new assist's settings. */
export function resetSite(): void {
  siteFrom = "";
  siteKnown = new Promise<void>((r) => (siteReady = r));
}

/** Takes settings s from a source; the config endpoint's are ignored once the welcome's are in force. */
export function learnSite(s: Partial<SiteConfig>, from: SiteSource): void {
  if (from === "config" && siteFrom === "welcome") return;
  site.strictMasking = !!s.strictMasking;
  site.captureBodies = !!s.captureBodies;
  site.screenMapping = s.screenMapping && typeof s.screenMapping === "object" ? s.screenMapping : null;
  siteFrom = from;
  if (from !== "config") siteReady();
  changed();
}

/** Fetches the site's configuration, then calls loaded; a failure (unknown key, origin not allowed) fires "error". */
export function fetchSite(loaded: () => void): void {
  api("GET", "/api/v1/public/sites/" + encodeURIComponent(siteKey) + "/config").then(
    (c) => {
      learnSite((c && c.site) || c || {}, "config");
      siteLoaded = true;
      loaded();
    },
    (e) => {
      emit("error", { message: "Tandem is not available on this page.", code: e instanceof ApiError ? e.code : "network", cause: String(e) });
    },
  );
}
