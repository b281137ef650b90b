// Code generated from internal/protocol/protocol.json by `go generate ./internal/protocol`; DO NOT EDIT.
// The WebSocket close codes and frame kinds of Tandem's channels (docs/protocol.md).

/** 1001: the server is shutting down. */
export const CloseGoingAway = 1001;
/** 1009: a frame over the size limit (8 MiB from a person): the SDK drops its resend buffer and sends a fresh full snapshot. */
export const CloseTooBig = 1009;
/** 1013: the server is busy (its recording is behind storage): reconnect and resend from the ack. */
export const CloseTryAgain = 1013;
/** 4400: a malformed frame or a sequence gap. */
export const CloseBadFrame = 4400;
/** 4401: a bad or missing token, or not signed in. */
export const CloseBadToken = 4401;
/** 4403: origin not allowed, events before consent, or no right to this assist or terminal. */
export const CloseForbidden = 4403;
/** 4404: an unknown assist. */
export const CloseUnknown = 4404;
/** 4408: a slow consumer. */
export const CloseSlow = 4408;
/** 4409: replaced by a newer connection of the same person. */
export const CloseReplaced = 4409;
/** 4410: the assist or terminal session has ended. */
export const CloseEnded = 4410;
/** 4412: a ref named a page snapshot the server no longer has: resend that frame as a full snap. */
export const CloseUnknownPage = 4412;
/** 4413: a web terminal frame too large. */
export const CloseTooLarge = 4413;
/** 4429: a person sending faster than the assist's rate limit: wait at least 5 s, then resend from the ack. */
export const CloseTooFast = 4429;

/** data: a page's URL, title and viewport. */
export const KindMeta = "meta";
/** data: a page's full snapshot. */
export const KindSnap = "snap";
/** data: the snapshot already sent under p/h. */
export const KindRef = "ref";
/** data: incremental events. */
export const KindEv = "ev";
/** data: the person left page p. */
export const KindLeave = "leave";
/** to agents: the frames that follow rebuild the view. */
export const KindSync = "sync";
/** to the person: the first frame on every connect, with the ack. */
export const KindWelcome = "welcome";
/** to the person: ask to allow. */
export const KindPrompt = "prompt";
/** to the person: the assist's state. */
export const KindState = "state";
/** to the person: frames up to ack are safe. */
export const KindAck = "ack";
/** to the person: take a new full snapshot. */
export const KindSnapshot = "snapshot";
/** to the person: the site's settings changed (the welcome's site, again). */
export const KindSite = "site";
/** keep-alive; answered with pong carrying the same t. */
export const KindPing = "ping";
/** the answer to ping. */
export const KindPong = "pong";
/** to the person: the assist is over. */
export const KindEnded = "ended";
/** a refused interaction frame. */
export const KindError = "error";
/** from the person: allow or deny. */
export const KindConsent = "consent";
/** from the person: ended or cancelled. */
export const KindEnd = "end";
/** to agents: the queue of waiting requests. */
export const KindQueue = "queue";
/** who is watching the assist. */
export const KindPresence = "presence";
/** to the person: the agents watching and those asking to join. */
export const KindWatchers = "watchers";
/** to an agent: held until the person allows it to join. */
export const KindJoinWait = "join.wait";
/** from the person: allow or refuse an agent asking to join. */
export const KindJoinAnswer = "join.answer";
/** to agents: the person's connection health. */
export const KindHealth = "health";
/** to an agent: its member id. */
export const KindYou = "you";
/** start a call / a call offered to the person. */
export const KindCall = "call";
/** from the person: accept or decline a call. */
export const KindCallAnswer = "call.answer";
/** from an agent: join the active call. */
export const KindCallJoin = "call.join";
/** the call's state. */
export const KindCallState = "call.state";
/** a member's mute and camera state. */
export const KindCallMedia = "call.media";
/** hang up. */
export const KindCallLeave = "call.leave";
/** WebRTC signalling relayed to a member. */
export const KindRTC = "rtc";
/** an agent's pointer. */
export const KindPointer = "pointer";
/** an agent's stroke. */
export const KindDraw = "draw";
/** an agent asks for control. */
export const KindControlRequest = "control.request";
/** from the person: allow or deny control. */
export const KindControlAnswer = "control.answer";
/** to the agent: control was denied. */
export const KindControlDenied = "control.denied";
/** from the person: take control back. */
export const KindControlRevoke = "control.revoke";
/** from the agent: give control back. */
export const KindControlRelease = "control.release";
/** from the agent in control: hand it to another agent. */
export const KindControlHandover = "control.handover";
/** who holds control. */
export const KindControlState = "control.state";
/** an operation on the page by the agent in control. */
export const KindOp = "op";
/** the outcome of an op. */
export const KindOpResult = "op.result";
/** an agent asks for repairs. */
export const KindRepairRequest = "repair.request";
/** from the person: the repairs allowed and done. */
export const KindRepairAnswer = "repair.answer";
/** from the person: the site's tabs open in the browser and which is in front; relayed to agents. */
export const KindTabs = "tabs";
