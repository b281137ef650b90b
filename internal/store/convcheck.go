package store

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
)

// Limits of what conversations, messages, bots and deliveries may hold.
// Every backend checks them before writing, so bad input gets the same
// clear error whichever backend is in use, and nothing is written.
const (
	MaxMessageText      = 8000 // bytes of a message's text
	MaxMessageBlocks    = 50
	MaxAttachments      = 10 // per message
	MaxMentions         = 50
	MaxBlockText        = 3000 // bytes of one block's text (Slack's limit)
	MaxButtons          = 25   // per actions block
	MaxClientID         = 64
	MaxConversationName = 200  // bytes
	MaxDescription      = 1000 // bytes, of a conversation, bot or command
	MaxSummary          = 4000 // bytes of a hand-over summary
	MaxURL              = 2048
	MaxDeliveryPayload  = 1 << 20
	MaxDeliveryLimit    = 200
	MaxQueueSites       = 1000 // site ids of one ListConversations
	DefaultListLimit    = 50
)

// botNameRE is what a bot's or command's name may be: what an @-mention or
// a slash command can name.
var botNameRE = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// CheckAccount returns tandem.EInvalid unless a is a user, person or bot
// with an id of safe characters (what store ids are made of).
func CheckAccount(a tandem.Account, what string) error {
	if _, err := tandem.ParseAccount(a.String()); err != nil {
		return tandem.Errorf(tandem.EInvalid, "%s: %q is not an account (user:ID, person:ID or bot:ID)", what, a.String())
	}
	if strings.IndexFunc(a.ID, notIDChar) >= 0 {
		return tandem.Errorf(tandem.EInvalid, "%s: the id of %q has characters ids never have", what, a.String())
	}
	return nil
}

// checkOptionalAccount is CheckAccount for fields where nobody is allowed.
func checkOptionalAccount(a tandem.Account, what string) error {
	if a.IsZero() {
		return nil
	}
	return CheckAccount(a, what)
}

// checkID returns tandem.EInvalid unless id is a non-empty id of safe
// characters, at most 64 of them.
func checkID(id, what string) error {
	if id == "" || len(id) > 64 || strings.IndexFunc(id, notIDChar) >= 0 {
		return tandem.Errorf(tandem.EInvalid, "%s %q is not an id", what, id)
	}
	return nil
}

// checkText returns tandem.EInvalid unless s is valid UTF-8 of at most max
// bytes.
func checkText(s string, max int, what string) error {
	if !utf8.ValidString(s) {
		return tandem.Errorf(tandem.EInvalid, "%s is not valid UTF-8", what)
	}
	if len(s) > max {
		return tandem.Errorf(tandem.EInvalid, "%s has %d bytes; at most %d", what, len(s), max)
	}
	return nil
}

// checkURL returns tandem.EInvalid unless s is empty (when optional) or an
// absolute http or https URL with a host (https only when httpsOnly).
func checkURL(s, what string, optional, httpsOnly bool) error {
	if s == "" {
		if optional {
			return nil
		}
		return tandem.Errorf(tandem.EInvalid, "%s is required", what)
	}
	u, err := url.Parse(s)
	switch {
	case len(s) > MaxURL:
		return tandem.Errorf(tandem.EInvalid, "%s has %d bytes; at most %d", what, len(s), MaxURL)
	case err != nil || u.Host == "" || u.User != nil:
		return tandem.Errorf(tandem.EInvalid, "%s %q is not an absolute URL such as https://bot.example/hook", what, s)
	case u.Scheme == "https", u.Scheme == "http" && !httpsOnly:
		return nil
	case httpsOnly:
		return tandem.Errorf(tandem.EInvalid, "%s %q must be https", what, s)
	}
	return tandem.Errorf(tandem.EInvalid, "%s %q must be http or https", what, s)
}

// CheckConversation validates c and trims its name in place: a known kind,
// a name for a group, a site for (and only for) a support conversation,
// queued only when it is one, and lengths within the limits.
func CheckConversation(c *tandem.Conversation) error {
	switch c.Kind {
	case tandem.ConversationDirect, tandem.ConversationGroup, tandem.ConversationSupport:
	default:
		return tandem.Errorf(tandem.EInvalid, "%q is not a kind of conversation (direct, group or support)", c.Kind)
	}
	name := strings.TrimSpace(c.Name)
	if err := checkText(name, MaxConversationName, "the conversation's name"); err != nil {
		return err
	}
	if c.Kind == tandem.ConversationGroup && name == "" {
		return tandem.Errorf(tandem.EInvalid, "a group conversation needs a name")
	}
	if err := checkText(c.Description, MaxDescription, "the conversation's description"); err != nil {
		return err
	}
	if err := checkText(c.Summary, MaxSummary, "the conversation's summary"); err != nil {
		return err
	}
	if err := checkURL(c.AvatarURL, "the avatar URL", true, false); err != nil {
		return err
	}
	if c.Kind == tandem.ConversationSupport {
		if err := checkID(c.SiteID, "site"); err != nil {
			return tandem.Errorf(tandem.EInvalid, "a support conversation needs its site: %v", err)
		}
	} else {
		if c.SiteID != "" {
			return tandem.Errorf(tandem.EInvalid, "only a support conversation has a site")
		}
		if c.Queued || c.AssistID != "" {
			return tandem.Errorf(tandem.EInvalid, "only a support conversation is queued or has an assist")
		}
	}
	if c.AssistID != "" {
		if err := checkID(c.AssistID, "assist"); err != nil {
			return err
		}
	}
	if err := checkOptionalAccount(c.CreatedBy, "created by"); err != nil {
		return err
	}
	c.Name = name
	return nil
}

// CheckMember validates m and normalizes it in place: a valid account in a
// conversation, scopes granted only to a bot, each a known scope (repeats
// dropped).
func CheckMember(m *tandem.Member) error {
	if err := checkID(m.ConversationID, "conversation"); err != nil {
		return err
	}
	if err := CheckAccount(m.Account, "member"); err != nil {
		return err
	}
	if err := checkOptionalAccount(m.AddedBy, "added by"); err != nil {
		return err
	}
	if m.LastRead < 0 {
		return tandem.Errorf(tandem.EInvalid, "last read %d is negative", m.LastRead)
	}
	if len(m.Granted) > 0 && m.Account.Kind != tandem.AccountBot {
		return tandem.Errorf(tandem.EInvalid, "scopes are granted to bots only, not to %s", m.Account)
	}
	granted, err := CheckScopes(m.Granted)
	if err != nil {
		return err
	}
	m.Granted = granted
	return nil
}

// CheckScopes returns scopes without repeats, or tandem.EInvalid for one
// that is not a scope.
func CheckScopes(scopes []tandem.Scope) ([]tandem.Scope, error) {
	var out []tandem.Scope
	for _, s := range scopes {
		if !tandem.ValidScope(s) {
			return nil, tandem.Errorf(tandem.EInvalid, "%q is not a scope (one of %s)", s, tandem.JoinScopes(tandem.AllScopes()))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// CheckNewMembers validates the first members of c (whose ID is set):
// each as CheckMember does, no account twice, people only in a support
// conversation and only as that conversation's person (person:ID with the
// conversation's ID; an empty person id is set to it), and exactly two
// users or bots in a direct conversation.
func CheckNewMembers(c *tandem.Conversation, members []*tandem.Member) error {
	seen := make(map[tandem.Account]bool)
	for _, m := range members {
		if m == nil {
			return tandem.Errorf(tandem.EInvalid, "a nil member")
		}
		m.ConversationID = c.ID
		if m.Account.Kind == tandem.AccountPerson && m.Account.ID == "" {
			m.Account.ID = c.ID
		}
		if err := CheckMember(m); err != nil {
			return err
		}
		if err := CheckMemberFits(c, m.Account); err != nil {
			return err
		}
		if seen[m.Account] {
			return tandem.Errorf(tandem.EInvalid, "%s is a member twice", m.Account)
		}
		seen[m.Account] = true
	}
	if c.Kind == tandem.ConversationDirect && len(members) != 2 {
		return tandem.Errorf(tandem.EInvalid, "a direct conversation is between two accounts, not %d", len(members))
	}
	return nil
}

// CheckMemberFits returns tandem.EInvalid when a cannot be a member of c:
// a person outside their own support conversation.
func CheckMemberFits(c *tandem.Conversation, a tandem.Account) error {
	if a.Kind == tandem.AccountPerson && (c.Kind != tandem.ConversationSupport || a.ID != c.ID) {
		return tandem.Errorf(tandem.EInvalid, "a person is a member of their own support conversation only (person:%s)", c.ID)
	}
	return nil
}

// CheckMessage validates m before it is stored: an author, a client id of
// at most MaxClientID printable characters, some text, blocks or
// attachments within the limits, mentions of valid accounts, blocks of
// known kinds whose buttons have ids unique in the message, and
// attachments named by distinct ids.
func CheckMessage(m *tandem.Message) error {
	if err := checkID(m.ConversationID, "conversation"); err != nil {
		return err
	}
	if err := CheckAccount(m.Author, "author"); err != nil {
		return err
	}
	if len(m.ClientID) > MaxClientID || strings.IndexFunc(m.ClientID, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return tandem.Errorf(tandem.EInvalid, "client id %q is not 1 to %d printable ASCII characters", m.ClientID, MaxClientID)
	}
	if err := checkText(m.Text, MaxMessageText, "the message's text"); err != nil {
		return err
	}
	if strings.TrimSpace(m.Text) == "" && len(m.Blocks) == 0 && len(m.Attachments) == 0 {
		return tandem.Errorf(tandem.EInvalid, "a message needs text, blocks or attachments")
	}
	if len(m.Mentions) > MaxMentions {
		return tandem.Errorf(tandem.EInvalid, "%d mentions; at most %d", len(m.Mentions), MaxMentions)
	}
	for _, a := range m.Mentions {
		if err := CheckAccount(a, "mention"); err != nil {
			return err
		}
	}
	if err := CheckBlocks(m.Blocks); err != nil {
		return err
	}
	if len(m.Attachments) > MaxAttachments {
		return tandem.Errorf(tandem.EInvalid, "%d attachments; at most %d", len(m.Attachments), MaxAttachments)
	}
	ids := make(map[string]bool)
	for _, a := range m.Attachments {
		if err := checkID(a.ID, "attachment"); err != nil {
			return err
		}
		if ids[a.ID] {
			return tandem.Errorf(tandem.EInvalid, "attachment %s is in the message twice", a.ID)
		}
		ids[a.ID] = true
	}
	return nil
}

// CheckBlocks validates the blocks of a message: at most
// MaxMessageBlocks, known kinds, text within MaxBlockText, https images,
// and buttons of known kinds with non-empty ids unique across the blocks
// (a press names its button by id), link buttons with http(s) URLs.
func CheckBlocks(blocks []tandem.Block) error {
	if len(blocks) > MaxMessageBlocks {
		return tandem.Errorf(tandem.EInvalid, "%d blocks; at most %d", len(blocks), MaxMessageBlocks)
	}
	buttons := make(map[string]bool)
	for i, b := range blocks {
		switch b.Kind {
		case tandem.BlockSection, tandem.BlockHeader, tandem.BlockDivider, tandem.BlockContext, tandem.BlockImage, tandem.BlockActions:
		default:
			return tandem.Errorf(tandem.EInvalid, "block %d: %q is not a kind of block", i, b.Kind)
		}
		if err := checkText(b.Text, MaxBlockText, "a block's text"); err != nil {
			return err
		}
		for _, f := range b.Fields {
			if err := checkText(f, MaxBlockText, "a block's field"); err != nil {
				return err
			}
		}
		if err := checkText(b.AltText, MaxBlockText, "an image's alt text"); err != nil {
			return err
		}
		if err := checkURL(b.ImageURL, "an image URL", b.Kind != tandem.BlockImage, true); err != nil {
			return err
		}
		if len(b.Buttons) > 0 && b.Kind != tandem.BlockActions {
			return tandem.Errorf(tandem.EInvalid, "block %d: only an actions block has buttons", i)
		}
		if len(b.Buttons) > MaxButtons {
			return tandem.Errorf(tandem.EInvalid, "block %d: %d buttons; at most %d", i, len(b.Buttons), MaxButtons)
		}
		for _, btn := range b.Buttons {
			if btn.ID == "" || len(btn.ID) > 255 || buttons[btn.ID] {
				return tandem.Errorf(tandem.EInvalid, "block %d: button id %q is empty, too long or used twice", i, btn.ID)
			}
			buttons[btn.ID] = true
			if err := checkText(btn.Label+btn.ActionID+btn.Value, MaxBlockText, "a button"); err != nil {
				return err
			}
			switch btn.Kind {
			case tandem.ButtonLink:
				if err := checkURL(btn.URL, "a link button's URL", false, false); err != nil {
					return err
				}
			case tandem.ButtonCallback:
			default:
				return tandem.Errorf(tandem.EInvalid, "button %q: %q is not a kind of button (link or callback)", btn.ID, btn.Kind)
			}
			switch btn.Style {
			case "", "primary", "danger":
			default:
				return tandem.Errorf(tandem.EInvalid, "button %q: style %q is not primary or danger", btn.ID, btn.Style)
			}
		}
	}
	return nil
}

// CheckAttachment validates a file uploaded to a conversation: a name,
// a content type, a size and a blob key.
func CheckAttachment(a *tandem.Attachment) error {
	if strings.TrimSpace(a.Name) == "" || checkText(a.Name, 255, "name") != nil {
		return tandem.Errorf(tandem.EInvalid, "an attachment needs a file name of at most 255 bytes")
	}
	if a.ContentType == "" || len(a.ContentType) > 255 {
		return tandem.Errorf(tandem.EInvalid, "an attachment needs a content type of at most 255 bytes")
	}
	if a.BlobKey == "" || len(a.BlobKey) > 1024 {
		return tandem.Errorf(tandem.EInvalid, "an attachment needs the key of its blob")
	}
	if a.Size < 0 || a.Width < 0 || a.Height < 0 {
		return tandem.Errorf(tandem.EInvalid, "an attachment's size is negative")
	}
	return nil
}

// CheckBot validates b and normalizes it in place: an owner, a name that
// mentions can use ([a-z0-9_-], 1 to 32), http(s) URLs, known scopes
// (repeats dropped) and lengths within the limits.
func CheckBot(b *tandem.Bot) error {
	if err := checkID(b.OwnerID, "owner"); err != nil {
		return err
	}
	if !botNameRE.MatchString(b.Name) {
		return tandem.Errorf(tandem.EInvalid, "bot name %q is not 1 to 32 of a-z, 0-9, _ and -", b.Name)
	}
	if err := checkText(b.Description, MaxDescription, "the bot's description"); err != nil {
		return err
	}
	if err := checkURL(b.URL, "the bot's URL", false, false); err != nil {
		return err
	}
	if err := checkURL(b.InterfaceURL, "the bot's interface URL", true, false); err != nil {
		return err
	}
	if err := checkURL(b.AvatarURL, "the bot's avatar URL", true, false); err != nil {
		return err
	}
	if len(b.TokenHash) > 128 || len(b.TokenID) > 128 || len(b.SigningSecret) > 256 {
		return tandem.Errorf(tandem.EInvalid, "the bot's token hash, token id or signing secret is too long")
	}
	scopes, err := CheckScopes(b.Scopes)
	if err != nil {
		return err
	}
	b.Scopes = scopes
	return nil
}

// CheckBotCommand validates c: a bot, a name a slash can name, lengths
// within the limits, an http(s) URL if any.
func CheckBotCommand(c *tandem.BotCommand) error {
	if err := checkID(c.BotID, "bot"); err != nil {
		return err
	}
	if !botNameRE.MatchString(c.Name) {
		return tandem.Errorf(tandem.EInvalid, "command name %q is not 1 to 32 of a-z, 0-9, _ and -", c.Name)
	}
	if err := checkText(c.Description, MaxDescription, "the command's description"); err != nil {
		return err
	}
	if err := checkText(c.Hint, 200, "the command's hint"); err != nil {
		return err
	}
	return checkURL(c.URL, "the command's URL", true, false)
}

// CheckHook validates h: a bot, a conversation and a token hash.
func CheckHook(h *tandem.Hook) error {
	if err := checkID(h.BotID, "bot"); err != nil {
		return err
	}
	if err := checkID(h.ConversationID, "conversation"); err != nil {
		return err
	}
	if h.TokenHash == "" || len(h.TokenHash) > 128 {
		return tandem.Errorf(tandem.EInvalid, "a hook needs the hash of its token")
	}
	return nil
}

// CheckDelivery validates d and fills in its defaults: state pending when
// empty. A delivery needs a bot, a conversation, a kind, an http(s) URL and
// a payload of at most MaxDeliveryPayload bytes.
func CheckDelivery(d *tandem.Delivery) error {
	if d == nil {
		return tandem.Errorf(tandem.EInvalid, "a nil delivery")
	}
	if err := checkID(d.BotID, "bot"); err != nil {
		return err
	}
	if err := checkID(d.ConversationID, "conversation"); err != nil {
		return err
	}
	switch d.Kind {
	case tandem.DeliveryMention, tandem.DeliveryAction, tandem.DeliveryCommand:
	default:
		return tandem.Errorf(tandem.EInvalid, "%q is not a kind of delivery", d.Kind)
	}
	if d.State == "" {
		d.State = tandem.DeliveryPending
	}
	if err := CheckDeliveryState(d.State); err != nil {
		return err
	}
	if err := checkURL(d.URL, "the delivery's URL", false, false); err != nil {
		return err
	}
	if len(d.Payload) == 0 || len(d.Payload) > MaxDeliveryPayload {
		return tandem.Errorf(tandem.EInvalid, "a delivery's payload is %d bytes; want 1 to %d", len(d.Payload), MaxDeliveryPayload)
	}
	if d.Attempts < 0 {
		return tandem.Errorf(tandem.EInvalid, "a delivery's attempts are negative")
	}
	return checkText(d.LastError, 4096, "the delivery's last error")
}

// CheckDeliveryState returns tandem.EInvalid unless s is a delivery state.
func CheckDeliveryState(s tandem.DeliveryState) error {
	switch s {
	case tandem.DeliveryPending, tandem.DeliveryDelivered, tandem.DeliveryDead:
		return nil
	}
	return tandem.Errorf(tandem.EInvalid, "%q is not a delivery state (pending, delivered or dead)", s)
}

// CheckConversationFilter validates f: a member, or sites; a limit of 0 to
// MaxConversationLimit; a well-formed cursor.
func CheckConversationFilter(f ConversationFilter) error {
	if len(f.SiteIDs) == 0 {
		if err := CheckAccount(f.Member, "member"); err != nil {
			return tandem.Errorf(tandem.EInvalid, "list the conversations of a member, or the queue of sites: %v", err)
		}
	} else if err := checkOptionalAccount(f.Member, "member"); err != nil {
		return err
	}
	if len(f.SiteIDs) > MaxQueueSites {
		return tandem.Errorf(tandem.EInvalid, "%d sites; at most %d", len(f.SiteIDs), MaxQueueSites)
	}
	for _, id := range f.SiteIDs {
		if err := checkID(id, "site"); err != nil {
			return err
		}
	}
	if f.Limit < 0 || f.Limit > MaxConversationLimit {
		return tandem.Errorf(tandem.EInvalid, "limit %d is not 1 to %d", f.Limit, MaxConversationLimit)
	}
	if f.After != "" {
		if _, _, err := ParseAssistCursor(f.After); err != nil {
			return err
		}
	}
	return nil
}

// CheckMessageFilter validates f: at most one of Before and After, neither
// negative, a limit of 0 to MaxMessageLimit.
func CheckMessageFilter(f MessageFilter) error {
	if f.Before < 0 || f.After < 0 || f.Before > 0 && f.After > 0 {
		return tandem.Errorf(tandem.EInvalid, "page with before or after (one of them, not negative), not both")
	}
	if f.Limit < 0 || f.Limit > MaxMessageLimit {
		return tandem.Errorf(tandem.EInvalid, "limit %d is not 1 to %d", f.Limit, MaxMessageLimit)
	}
	return nil
}

// CheckDeliveryFilter validates f: known states, a limit of 0 to
// MaxDeliveryLimit.
func CheckDeliveryFilter(f DeliveryFilter) error {
	for _, s := range f.States {
		if err := CheckDeliveryState(s); err != nil {
			return err
		}
	}
	if f.Limit < 0 || f.Limit > MaxDeliveryLimit {
		return tandem.Errorf(tandem.EInvalid, "limit %d is not 1 to %d", f.Limit, MaxDeliveryLimit)
	}
	return nil
}

// Limit returns n, or DefaultListLimit when n is 0.
func Limit(n int) int {
	if n == 0 {
		return DefaultListLimit
	}
	return n
}
