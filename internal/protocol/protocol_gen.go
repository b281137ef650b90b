// Code generated from internal/protocol/protocol.json by `go generate ./internal/protocol`; DO NOT EDIT.

package protocol

// WebSocket close codes.
const (
	CloseGoingAway   = 1001 // the server is shutting down
	CloseTooBig      = 1009 // a frame over the size limit (8 MiB from a person): the SDK drops its resend buffer and sends a fresh full snapshot
	CloseTryAgain    = 1013 // the server is busy (its recording is behind storage): reconnect and resend from the ack
	CloseBadFrame    = 4400 // a malformed frame or a sequence gap
	CloseBadToken    = 4401 // a bad or missing token, or not signed in
	CloseForbidden   = 4403 // origin not allowed, events before consent, or no right to this assist or terminal
	CloseUnknown     = 4404 // an unknown assist
	CloseSlow        = 4408 // a slow consumer
	CloseReplaced    = 4409 // replaced by a newer connection of the same person
	CloseEnded       = 4410 // the assist or terminal session has ended
	CloseUnknownPage = 4412 // a ref named a page snapshot the server no longer has: resend that frame as a full snap
	CloseTooLarge    = 4413 // a web terminal frame too large
	CloseTooFast     = 4429 // a person sending faster than the assist's rate limit: wait at least 5 s, then resend from the ack
)

// Frame kinds: a frame header's "k".
const (
	KindMeta            = "meta"             // data: a page's URL, title and viewport
	KindSnap            = "snap"             // data: a page's full snapshot
	KindRef             = "ref"              // data: the snapshot already sent under p/h
	KindEv              = "ev"               // data: incremental events
	KindLeave           = "leave"            // data: the person left page p
	KindSync            = "sync"             // to agents: the frames that follow rebuild the view
	KindWelcome         = "welcome"          // to the person: the first frame on every connect, with the ack
	KindPrompt          = "prompt"           // to the person: ask to allow
	KindState           = "state"            // to the person: the assist's state
	KindAck             = "ack"              // to the person: frames up to ack are safe
	KindSnapshot        = "snapshot"         // to the person: take a new full snapshot
	KindSite            = "site"             // to the person: the site's settings changed (the welcome's site, again)
	KindPing            = "ping"             // keep-alive; answered with pong carrying the same t
	KindPong            = "pong"             // the answer to ping
	KindEnded           = "ended"            // to the person: the assist is over
	KindError           = "error"            // a refused interaction frame
	KindConsent         = "consent"          // from the person: allow or deny
	KindEnd             = "end"              // from the person: ended or cancelled
	KindQueue           = "queue"            // to agents: the queue of waiting requests
	KindPresence        = "presence"         // who is watching the assist
	KindWatchers        = "watchers"         // to the person: the agents watching and those asking to join
	KindJoinWait        = "join.wait"        // to an agent: held until the person allows it to join
	KindJoinAnswer      = "join.answer"      // from the person: allow or refuse an agent asking to join
	KindHealth          = "health"           // to agents: the person's connection health
	KindYou             = "you"              // to an agent: its member id
	KindCall            = "call"             // start a call / a call offered to the person
	KindCallAnswer      = "call.answer"      // from the person: accept or decline a call
	KindCallJoin        = "call.join"        // from an agent: join the active call
	KindCallState       = "call.state"       // the call's state
	KindCallMedia       = "call.media"       // a member's mute and camera state
	KindCallLeave       = "call.leave"       // hang up
	KindRTC             = "rtc"              // WebRTC signalling relayed to a member
	KindPointer         = "pointer"          // an agent's pointer
	KindDraw            = "draw"             // an agent's stroke
	KindControlRequest  = "control.request"  // an agent asks for control
	KindControlAnswer   = "control.answer"   // from the person: allow or deny control
	KindControlDenied   = "control.denied"   // to the agent: control was denied
	KindControlRevoke   = "control.revoke"   // from the person: take control back
	KindControlRelease  = "control.release"  // from the agent: give control back
	KindControlHandover = "control.handover" // from the agent in control: hand it to another agent
	KindControlState    = "control.state"    // who holds control
	KindOp              = "op"               // an operation on the page by the agent in control
	KindOpResult        = "op.result"        // the outcome of an op
	KindRepairRequest   = "repair.request"   // an agent asks for repairs
	KindRepairAnswer    = "repair.answer"    // from the person: the repairs allowed and done
	KindTabs            = "tabs"             // from the person: the site's tabs open in the browser and which is in front; relayed to agents
)
