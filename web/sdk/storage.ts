// What survives a full navigation in the same tab. The loader keeps the
// assist it is part of in sessionStorage, under a key per site (config.ts,
// storeKey), and the next page of the tab takes it up from there
// (navigation.ts). Storage can be disabled or full, and it is shared
// with the site: every access here fails quietly.

import type { ChannelState } from "./channel";
import { storeKey } from "./config";
import type { SiteConfig } from "./site";
import { ss } from "./session";
import type { State } from "./state";

export { ss };

/** What a page hands to the next one in the same tab. */
export interface Stored {
  assistId: string;
  token: string;
  state: State;
  prompt?: string;
  site?: SiteConfig;
  channel?: ChannelState;
  /** Another tab of the site holds the assist's connection (tabs.ts): this tab must not connect on its next page. */
  passive?: boolean;
}

/** Returns the stored assist, or null if there is none (or it is unreadable). */
export function readStored(): Stored | null {
  try {
    const s = JSON.parse(ss.get(storeKey) || "null");
    return s && s.assistId && s.token ? s : null;
  } catch {
    return null;
  }
}

