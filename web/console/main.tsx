// Entry point of the agent console, a single-page app served for every path
// under /console/.
//
// Pure logic, unit-tested with node (run-tests.mjs):
//   frames.ts     frame header/payload encoding (docs/protocol.md)
//   channel.ts    WebSocket with reconnect, resume from the last applied seq, dedup, ping/pong
//   backoff.ts    reconnect delays
//   stream.ts     data frames → player events, pages visited, devtools rows
//   pagecache.ts  per-page snapshot cache and `ref` substitution
//   recording.ts  a stored recording → a replay
//   liveclock.ts  person-clock timestamps → this browser's clock for live playback
//   rows.ts, marks.ts, ua.ts, format.ts, health.ts, layout.ts, routes.ts
// Views (Preact): app.tsx (shell), queue.tsx, invite.tsx, assist.tsx (live view,
// model in live.ts, player in player.ts), mirror.tsx, devtools.tsx, replay.tsx,
// history.tsx, terminals.tsx, login.tsx, ui.tsx.

import { render } from "preact";
import { App } from "./app";
import { exposeDebug } from "./debug";
import "./styles.css";

exposeDebug();
const root = document.getElementById("app");
if (root) render(<App />, root);
