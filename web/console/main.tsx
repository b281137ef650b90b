// Entry point of the agent console, a single-page app served for every path
// under /console/.
//
// Pure logic, unit-tested with node (../run-tests.mjs):
//   frames.ts     frame headers and payloads, checked (docs/protocol.md)
//   channel.ts    framed channel on shared/socket.ts: resume from the last applied seq, dedup, ping/pong
//   stream.ts     data frames → player events, pages visited, devtools rows
//   pagecache.ts  per-page snapshot cache and `ref` substitution
//   recording.ts  a stored recording → a replay (sequence order, monotonic time)
//   seek.ts       the replay's seek bar → rrweb's pause offset
//   liveclock.ts  person-clock timestamps → the live player's clock (played on arrival)
//   interact.ts   control, pointers, strokes, repairs, toasts: the interaction frames
//   mesh.ts       calls: call.state, who offers to whom
//   place.ts      mirror ↔ person's page coordinates (scale, scroll, node offsets)
//   ops.ts        remote-control operations, typing and wheel batches
//   throttle.ts   pointer throttle and stroke batches
//   rows.ts, marks.ts, ua.ts, format.ts, health.ts, layout.ts, routes.ts
// Browser-only: call.ts (WebRTC), mirrordom.ts (hit testing in the mirror),
// gestures.ts (mouse and keys over the mirror → frames).
// Views (Preact): app.tsx (shell), queue.tsx, invite.tsx, assist.tsx (live view,
// model in live.ts, player in player.ts), toolbar.tsx, overlay.tsx,
// callpanel.tsx, repair.tsx, toast.tsx, mirror.tsx, devtools.tsx, replay.tsx,
// history.tsx, terminals.tsx, login.tsx, ui.tsx. Share links (share/: the
// Share dialog of the replay screens, and the read-only page of a link). Styles: styles.css, tools.css.
// Conversations (chat/: the list, a conversation, the chat beside the live
// view, the queue's waiting words) and bots (bots/: the bots page, a bot's
// page, the authorise dialog's scopes); their pure parts are unit-tested
// (mentions, commands, blocks, unread, typing, history, socket, scopes).
// Styles: chat/chat.css. Sign-ins (passport/: the passport's live sign-ins,
// for admins); styles: passport/passport.css. Video exports (video/: the
// "Export video" panel of the replay screen); styles: video/video.css.
// Shared with the SDK (../shared/): the frame text, reconnect backoff, stroke
// paths and timings, box arithmetic, tab order, and WebRTC candidate queues
// and media statistics.
//
// window.__tandemConsole (debug.ts) is for browser tests: lastAppliedSeq(),
// replayer(), callStats(). localStorage "tandem.forceRelay" = "1" makes calls
// use TURN relays only.

import { render } from "preact";
import { App } from "./app/app";
import { exposeDebug } from "./app/debug";
import { SharedPage } from "./share/page";
import "./styles.css";
import "./tools.css";
import "./chat/chat.css";
import "./passport/passport.css";
import "./admin/admin.css";
import "./video/video.css";
import "./common/netrow.css";
import "./live/room.css";

exposeDebug();
const root = document.getElementById("app");
// A share link's page (/s/TOKEN) is the read-only replay, without the console.
if (root) render(location.pathname.startsWith("/s/") ? <SharedPage pathname={location.pathname} /> : <App />, root);
