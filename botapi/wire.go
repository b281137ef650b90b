// Package botapi is what a bot server needs to take part in Tandem
// conversations: the JSON Tandem sends a bot (Event), what the bot answers
// (Answer and its Instructions), and the message form both use. The server
// speaks these types too, so they are the one definition of the wire.
//
// Tandem signs every request it sends a bot as Standard Webhooks
// specifies: headers webhook-id, webhook-timestamp and webhook-signature
// ("v1,<base64 HMAC-SHA256 of id.timestamp.body>", keyed with the bot's
// signing secret "whsec_…"). A retry carries the same webhook-id.
package botapi

import "time"

// EventType is what an Event tells a bot.
type EventType string

// The events Tandem sends a bot.
const (
	// EventMention: a message mentions the bot (Message is set).
	EventMention EventType = "mention"
	// EventAction: a member pressed one of the bot's callback buttons
	// (Action is set).
	EventAction EventType = "action"
	// EventCommand: a member ran one of the bot's commands (Command is set).
	EventCommand EventType = "command"
	// EventRefused: Tandem refused the instructions of an earlier answer
	// (Refused is set); nothing of that answer was applied.
	EventRefused EventType = "refused"
)

// Event is the body of a request Tandem sends a bot.
type Event struct {
	// ID is the delivery's id, also in the webhook-id header: the same on
	// every retry, so a bot can drop repeats.
	ID           string        `json:"id"`
	Type         EventType     `json:"type"`
	Bot          Ref           `json:"bot"`
	Conversation Conversation  `json:"conversation"`
	From         Ref           `json:"from"` // who wrote, pressed or ran it
	Message      *Message      `json:"message,omitempty"`
	Action       *Action       `json:"action,omitempty"`
	Command      *Command      `json:"command,omitempty"`
	Refused      *Refusal      `json:"refused,omitempty"`
	Time         time.Time     `json:"time"`
	Scopes       []string      `json:"scopes"` // what the bot may do in this conversation now
	Assist       *AssistStatus `json:"assist,omitempty"`
}

// Ref names an account: "user:ID", "person:ID" or "bot:ID", with its
// display name.
type Ref struct {
	Account string `json:"account"`
	Name    string `json:"name,omitempty"`
	ID      string `json:"id,omitempty"` // a bot's id in Event.Bot
}

// Conversation is a conversation as a bot sees it.
type Conversation struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"` // direct, group or support
	Name        string `json:"name,omitempty"`
	AvatarURL   string `json:"avatarUrl,omitempty"`
	Description string `json:"description,omitempty"`
	SiteID      string `json:"siteId,omitempty"`
	AssistID    string `json:"assistId,omitempty"`
	Queued      bool   `json:"queued,omitempty"`
	Summary     string `json:"summary,omitempty"`
}

// Message is a message as the API carries it.
type Message struct {
	ID             string       `json:"id,omitempty"`
	ConversationID string       `json:"conversationId,omitempty"`
	Seq            int64        `json:"seq,omitempty"`
	Author         *Ref         `json:"author,omitempty"`
	Text           string       `json:"text,omitempty"`
	Mentions       []string     `json:"mentions,omitempty"` // accounts
	Blocks         []Block      `json:"blocks,omitempty"`
	Attachments    []Attachment `json:"attachments,omitempty"`
	CreatedAt      *time.Time   `json:"createdAt,omitempty"`
	EditedAt       *time.Time   `json:"editedAt,omitempty"`
}

// Block is one rich block: section, header, divider, context, image or
// actions (a subset of Slack's Block Kit, with text as plain text).
type Block struct {
	Type     string   `json:"type"`
	Text     string   `json:"text,omitempty"`
	Fields   []string `json:"fields,omitempty"`
	ImageURL string   `json:"imageUrl,omitempty"`
	AltText  string   `json:"altText,omitempty"`
	Buttons  []Button `json:"buttons,omitempty"`
}

// Button is a button of an actions block. A link button has URL; a
// callback button has ActionID (and Value), which Tandem keeps: clients
// see only ID, Label and Style.
type Button struct {
	ID       string `json:"id,omitempty"`
	Label    string `json:"label"`
	URL      string `json:"url,omitempty"`
	ActionID string `json:"actionId,omitempty"`
	Value    string `json:"value,omitempty"`
	Style    string `json:"style,omitempty"` // "", "primary" or "danger"
}

// Attachment is a file of a message.
type Attachment struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	URL         string `json:"url,omitempty"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
}

// Action is a press of a callback button.
type Action struct {
	MessageID string `json:"messageId"`
	ButtonID  string `json:"buttonId"`
	ActionID  string `json:"actionId"`
	Value     string `json:"value,omitempty"`
}

// Command is a run of one of the bot's slash commands.
type Command struct {
	Name string `json:"name"` // without the slash
	Text string `json:"text"` // what followed the command
}

// Refusal says which instructions of an earlier answer were refused, and
// why. Nothing of that answer was applied.
type Refusal struct {
	DeliveryID string    `json:"deliveryId"` // the event that was answered
	Refused    []Refused `json:"refused"`
}

// Refused is one refused instruction.
type Refused struct {
	Index  int    `json:"index"` // its place in the answer's list
	Type   string `json:"type"`
	Reason string `json:"reason"`
	Scope  string `json:"scope,omitempty"` // the scope it needed, when one was missing
}

// AssistStatus is the assist of a support conversation, for bots with the
// assist:read scope.
type AssistStatus struct {
	ID      string `json:"id"`
	State   string `json:"state"` // waiting, consenting, live or ended
	PageURL string `json:"pageUrl,omitempty"`
	AgentID string `json:"agentId,omitempty"`
}

// Answer is what a bot may answer an Event with (a 2xx response with a
// JSON body; an empty body or 204 means nothing to do). Tandem applies
// every instruction, in order, only if the bot may perform all of them;
// otherwise it applies none and sends an EventRefused.
type Answer struct {
	Instructions []Instruction `json:"instructions"`
}

// InstructionType is what one instruction does.
type InstructionType string

// The instructions a bot can give, with the scope each needs.
const (
	Post               InstructionType = "post"                // messages:write; Message
	Rename             InstructionType = "rename"              // conversations:write; Name
	SetAvatar          InstructionType = "set_avatar"          // conversations:write; AvatarURL
	SetDescription     InstructionType = "set_description"     // conversations:write; Description
	AddMember          InstructionType = "add_member"          // members:write; Account
	CreateConversation InstructionType = "create_conversation" // conversations:create; Name, Members, Message
	// Notice shows Message to the member who pressed the button or ran the
	// command, and nobody else (answers to actions and commands only).
	Notice InstructionType = "notice"
	// Replace replaces the message whose button was pressed (answers to
	// actions only, on the bot's own messages); messages:write.
	Replace   InstructionType = "replace"
	Invite    InstructionType = "invite"     // assist:invite; posts an invite to the assist as a button, labelled Message.Text
	Handover  InstructionType = "handover"   // assist:handover; Summary
	EndAssist InstructionType = "end_assist" // assist:end
)

// Instruction is one step of an Answer. Which fields matter depends on Type.
type Instruction struct {
	Type        InstructionType `json:"type"`
	Message     *Message        `json:"message,omitempty"`
	Name        string          `json:"name,omitempty"`
	AvatarURL   string          `json:"avatarUrl,omitempty"`
	Description string          `json:"description,omitempty"`
	Account     string          `json:"account,omitempty"` // add_member: "user:ID", "bot:ID" or a user's email
	Members     []string        `json:"members,omitempty"` // create_conversation
	Summary     string          `json:"summary,omitempty"` // handover
}
