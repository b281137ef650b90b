// sessionStorage for the loader and the bundles it loads: storage can be
// disabled or full, and it is shared with the site, so every access fails
// quietly. (It imports nothing, so that a bundle of its own can use it.)

/** sessionStorage that never throws: null, false or nothing when storage is disabled or full. */
export const ss = {
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
