// Who the person is and where: all that a help request or an invite
// reveals before consent (docs/sdk.md, "What is captured, and when"). The
// site names the person with Tandem.identify (kept for the tab's session);
// otherwise the person is "anonymous-…", a random id kept in localStorage so
// that the same browser stays the same person.

import { siteKey } from "./config";
import { pageIdFor, urlWithoutFragment } from "./hash";
import { ss } from "./storage";

// The id the site gave, here or in an earlier page of this tab; or the anonymous one once made.
let identified = ss.get("tandem.person") || "";

/** Names the person (Tandem.identify), for this page and the rest of the tab's session. */
export function identify(id: string): void {
  identified = String(id);
  ss.set("tandem.person", identified);
}

function randomId(): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Returns the person's id: the one the site gave, or the browser's anonymous one (made on first use). */
export function personId(): string {
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

/** Returns the body of a help request or invite redemption: the page (without the URL's fragment), the person, the browser and the window size. */
export function pageInfo() {
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
