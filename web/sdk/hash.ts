// Small, fast, non-cryptographic hashes shared by the loader and the
// recorder. They only need to tell pages and snapshots apart within one
// assist, so speed matters more than strength.

// cyrb53 returns a 53-bit hash of str (public domain algorithm by bryc).
export function cyrb53(str: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

// hashString returns cyrb53 of str in base 36 (at most 11 characters).
export function hashString(str: string): string {
  return cyrb53(str).toString(36);
}

// pageIdFor returns the page id of a URL: a hash of its origin, path and
// query. The fragment is left out, so in-page anchors stay on one page.
export function pageIdFor(href: string): string {
  const u = new URL(href);
  return "p" + hashString(u.origin + u.pathname + u.search);
}

// urlWithoutFragment is href without its #fragment.
export function urlWithoutFragment(href: string): string {
  const i = href.indexOf("#");
  return i < 0 ? href : href.slice(0, i);
}

// pagesKey is the sessionStorage key under which the recorder remembers, per
// assist, the snapshot hash it sent for each page id. The loader clears it
// when frames were lost, so that the next snapshot is sent in full.
export function pagesKey(assistId: string): string {
  return "tandem.pages." + assistId;
}

/**
 * sentPages reads and writes what pagesKey keeps for an assist: the hash
 * of the snapshot sent for each page id (the DOM recorder and the screen
 * recorder alike). Without storage every page is sent in full; nothing
 * breaks.
 */
export function sentPages(assistId: string) {
  const key = pagesKey(assistId);
  const all = (): Record<string, string> => {
    try {
      return JSON.parse(sessionStorage.getItem(key) || "{}") || {};
    } catch {
      return {};
    }
  };
  return {
    /** The hash of the snapshot sent for page id p, if any. */
    get: (p: string): string | undefined => all()[p],
    /** Notes that page id p's snapshot with hash h was sent. */
    remember(p: string, h: string): void {
      const m = all();
      m[p] = h;
      try {
        sessionStorage.setItem(key, JSON.stringify(m));
      } catch {
        // storage disabled or full: the next snapshot goes in full
      }
    },
    /** Forgets every page: the next snapshots go in full. */
    forget(): void {
      try {
        sessionStorage.removeItem(key);
      } catch {
        // nothing stored
      }
    },
  };
}
