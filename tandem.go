// Package tandem holds the domain types of Tandem, a self-hosted
// remote-assistance platform: agents, sites, assists, invites, consent and
// the audit log. Every other package speaks in these types; none of them
// depends on a backend.
//
// The packages under internal/ each own one capability (assist, hub, record,
// sshrelay, ...) or one backend (store/sqlite, blobs/dirblobs, ...).
package tandem

import "time"

// User is an account that signs in to the console: an agent or an admin.
type User struct {
	ID           string
	Email        string
	Name         string // shown to people, e.g. "Alex from Support"
	PasswordHash string // argon2id PHC string; never leaves the server
	Role         Role
	CreatedAt    time.Time
	// DisabledAt is when an admin disabled the user (zero: active). A
	// disabled user cannot sign in and has no console sessions.
	DisabledAt time.Time
}

// Role says what a user may do.
type Role string

// Roles a user can have.
const (
	RoleAgent Role = "agent"
	RoleAdmin Role = "admin"
)

// Site is a web property that embeds the SDK.
type Site struct {
	ID             string
	Name           string
	Key            string   // public site key used in data-site="KEY"
	AllowedOrigins []string // e.g. "https://shop.example.com"
	StrictMasking  bool     // mask every input and text unless data-tandem-unmask
	CaptureBodies  bool     // record request/response bodies of fetch and XHR
	// ScreenMapping is how the SDK draws and masks a screen an app
	// describes as a view tree (docs/native-screens.md): compact JSON, ""
	// for the default.
	ScreenMapping string
	// ConsentEachAgent makes every agent after the first wait until the
	// person allows them in, as they allowed the first.
	ConsentEachAgent bool
	// RecordingRetention is how long the recordings of the site's assists
	// are kept after they end; zero keeps them forever.
	RecordingRetention time.Duration
	// TriageBotID names a bot that joins every support conversation of the
	// site first and hands it over to agents when a human is needed; empty
	// for none.
	TriageBotID string
	// AutoVideo makes the end of each assist of the site queue a video
	// export of it (internal/videoexport).
	AutoVideo bool
	CreatedAt time.Time
}

// AllowsOrigin reports whether origin (scheme://host[:port]) may embed the site.
func (s *Site) AllowsOrigin(origin string) bool {
	for _, o := range s.AllowedOrigins {
		if o == "*" || o == origin {
			return true
		}
	}
	return false
}

// AssistState is where an assist is in its life.
type AssistState string

// The states of an assist: request → consent → live → ended.
const (
	AssistWaiting    AssistState = "waiting"    // the person asked; no agent accepted yet
	AssistConsenting AssistState = "consenting" // an agent accepted; the person is asked
	AssistLive       AssistState = "live"       // the person allowed; events flow
	AssistEnded      AssistState = "ended"
)

// Assist is one web assistance session.
type Assist struct {
	ID        string
	SiteID    string
	State     AssistState
	PersonID  string // from Tandem.identify(), or "anonymous-…"
	PageID    string // page the request came from
	PageURL   string
	UserAgent string
	Viewport  Viewport
	AgentID   string // the agent who accepted, if any
	CreatedAt time.Time
	StartedAt time.Time // when the person allowed; zero before
	EndedAt   time.Time // zero while not ended
	EndReason string    // e.g. "ended by person", "person disconnected"
	// RecordingDeletedAt is when the site's retention ended the assist's
	// recording (deleted or queued for deletion); zero while it is kept.
	RecordingDeletedAt time.Time
	// Verified is the person's passport identity when their help request
	// carried an active passport token of the assist's site; zero when
	// it did not (an unverified person).
	Verified VerifiedPerson
}

// VerifiedPerson is who the passport says the person of an assist is.
type VerifiedPerson struct {
	IdentityID string
	Email      string
	Name       string
}

// IsZero reports whether the person was not verified.
func (v VerifiedPerson) IsZero() bool { return v.IdentityID == "" }

// Viewport is the size of the person's window in CSS pixels.
type Viewport struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	DPR    float64 `json:"dpr"`
}

// Consent records a person's answer to an agent's request to see a page.
type Consent struct {
	AssistID string
	AgentID  string
	PersonID string
	PageURL  string
	Method   string // "prompt" or "invite"
	Allowed  bool
	Text     string // the exact words the person was shown
	At       time.Time
}

// Invite is a one-time link and short code that joins a person to an assist.
// Only hashes of the token and code are stored.
type Invite struct {
	ID        string
	SiteID    string
	AgentID   string
	TokenHash string
	CodeHash  string
	URL       string // where the link sends the person
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero while unused
	AssistID  string    // the assist the invite created, once used
}

// AuditEntry is one thing an agent, helper, bot or person did to a session.
type AuditEntry struct {
	ID        int64
	SessionID string // an assist id or a terminal session id
	Actor     string // "agent:<id>", "person:<id>", "helper:<fingerprint>", "system"
	Action    string // e.g. "accept", "consent.allow", "join", "end"
	Detail    string
	At        time.Time
}

// Page is one document the person visited during an assist.
type Page struct {
	AssistID string
	PageID   string
	URL      string
	Title    string
	Hash     string // content hash of its full snapshot
	At       time.Time
}
