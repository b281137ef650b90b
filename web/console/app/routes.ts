// The console's addresses. The server answers every path under /console/
// with the same page; this maps the path to a screen.

/** A screen and its parameters. */
export type Route =
  | { name: "queue" }
  | { name: "assist"; id: string }
  | { name: "replay"; id: string }
  | { name: "history" }
  | { name: "terminals" }
  | { name: "conversations"; id?: string }
  | { name: "bots" }
  | { name: "bot"; id: string }
  | { name: "signins" }
  | { name: "screens" }
  | { name: "admin" }
  | { name: "notfound"; path: string };

/** Returns the screen for a path. */
export function parseRoute(pathname: string): Route {
  const parts = pathname.replace(/\/+$/, "").split("/").filter(Boolean);
  if (parts[0] !== "console") return { name: "notfound", path: pathname };
  const [, a, b] = parts;
  const id = b ? decodeURIComponent(b) : "";
  if (parts.length === 1) return { name: "queue" };
  if (parts.length === 2 && a === "history") return { name: "history" };
  if (parts.length === 2 && a === "terminals") return { name: "terminals" };
  if (parts.length === 2 && a === "conversations") return { name: "conversations" };
  if (parts.length === 3 && a === "conversations") return { name: "conversations", id };
  if (parts.length === 2 && a === "bots") return { name: "bots" };
  if (parts.length === 3 && a === "bots") return { name: "bot", id };
  if (parts.length === 2 && a === "sign-ins") return { name: "signins" };
  if (parts.length === 2 && a === "screen-mapping") return { name: "screens" };
  if (parts.length === 2 && a === "admin") return { name: "admin" };
  if (parts.length === 3 && a === "assists") return { name: "assist", id };
  if (parts.length === 3 && a === "replay") return { name: "replay", id };
  return { name: "notfound", path: pathname };
}

/** Paths of the screens. */
export const paths = {
  queue: "/console/",
  history: "/console/history",
  terminals: "/console/terminals",
  conversations: "/console/conversations",
  conversation: (id: string) => `/console/conversations/${encodeURIComponent(id)}`,
  bots: "/console/bots",
  bot: (id: string) => `/console/bots/${encodeURIComponent(id)}`,
  signins: "/console/sign-ins",
  screens: "/console/screen-mapping",
  admin: "/console/admin",
  assist: (id: string) => `/console/assists/${encodeURIComponent(id)}`,
  replay: (id: string) => `/console/replay/${encodeURIComponent(id)}`,
  terminal: (id: string) => `/terminal/${encodeURIComponent(id)}`,
  terminalReplay: (id: string) => `/terminal/${encodeURIComponent(id)}?replay=1`,
};
