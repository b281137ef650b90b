// A tab's id among the site's tabs, kept in sessionStorage for the tab's
// pages: shared by the loader's listener (tabs-host.ts) and tabs.js.

/** The sessionStorage key of this tab's id. */
export const tabKey = "tandem.tab";

/** Returns a new random tab (or page) id. */
export function newId(): string {
  return "t" + Math.random().toString(36).slice(2, 12);
}
