// The tabs bundle (tabs.js): following the person across the site's tabs
// (tabs.ts), loaded by the loader (tabs-host.ts) only when there is an
// assist to follow. Pages where nobody asks for help never load it.

import { askHolderToEnd, bye, hello, receive, replaced, start, tabsLive, tellEnded } from "./tabs";

window.__tandemTabs = { start, receive, hello, replaced, tabsLive, askHolderToEnd, tellEnded, bye };
