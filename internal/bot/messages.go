package bot

import (
	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/conversation"
)

// checkMessage checks a message a bot wants shown, as the conversation
// service will (conversation.FromWire), so that an answer is refused whole
// before any of it is applied. Answers carry no attachments: a bot uploads
// files through the API.
func checkMessage(m *botapi.Message) error {
	if m != nil && len(m.Attachments) > 0 {
		return tandem.Errorf(tandem.EInvalid, "attachments cannot be given in an answer")
	}
	_, err := conversation.FromWire(m)
	return err
}

// blocksOf converts the blocks of a checked message, giving each button
// without an id one ("b1", "b2", …).
func blocksOf(m *botapi.Message) []tandem.Block {
	checked, err := conversation.FromWire(m)
	if err != nil {
		return nil
	}
	return checked.Blocks
}

// ClientView is a message as members' clients see it: a callback button
// shows only its id, label and style (its action and value stay on the
// server).
func ClientView(m *tandem.Message, author *botapi.Ref) *botapi.Message {
	return view(m, author, false)
}

// BotView is a message as a bot sees it: its own buttons with their
// actions and values.
func BotView(m *tandem.Message, author *botapi.Ref, own bool) *botapi.Message {
	return view(m, author, own)
}

func view(m *tandem.Message, author *botapi.Ref, full bool) *botapi.Message {
	w := conversation.ToWire(m, nil, full)
	if author != nil {
		w.Author = author
	}
	return w
}

// findButton returns the button id of m.
func findButton(m *tandem.Message, id string) (tandem.Button, bool) {
	for _, b := range m.Blocks {
		for _, bt := range b.Buttons {
			if bt.ID == id {
				return bt, true
			}
		}
	}
	return tandem.Button{}, false
}
