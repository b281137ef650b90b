package bot

import (
	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

// PreviewResult is what an answer would show members: its messages as
// clients render them, and what is wrong with the rest.
type PreviewResult struct {
	Messages []*botapi.Message `json:"messages"`
	Errors   []botapi.Refused  `json:"errors"`
}

// Preview renders the messages of an answer (posts, notices, replacements,
// the first message of a new conversation, invite buttons) as clients will
// show them, and checks every instruction's fields as Apply would, without
// scopes: the console shows a bot's owner what an answer looks like.
func Preview(a *botapi.Answer) (*PreviewResult, error) {
	if a == nil {
		return nil, tandem.Errorf(tandem.EInvalid, "answer is required")
	}
	if len(a.Instructions) > MaxInstructions {
		return nil, tandem.Errorf(tandem.EInvalid, "an answer has at most %d instructions", MaxInstructions)
	}
	out := &PreviewResult{Messages: []*botapi.Message{}, Errors: []botapi.Refused{}}
	author := &botapi.Ref{Account: "bot:preview", Name: "bot"}
	fail := func(i int, in botapi.Instruction, err error) {
		out.Errors = append(out.Errors, botapi.Refused{Index: i, Type: string(in.Type), Reason: tandem.ErrorMessage(err)})
	}
	for i, in := range a.Instructions {
		var m *botapi.Message
		switch in.Type {
		case botapi.Post, botapi.Notice, botapi.Replace:
			m = in.Message
		case botapi.CreateConversation:
			if in.Message == nil {
				continue
			}
			m = in.Message
		case botapi.Invite:
			label := defaultInviteLabel
			if in.Message != nil && in.Message.Text != "" {
				label = in.Message.Text
			}
			m = &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{
				{Label: label, URL: "https://site.example/#tandem-invite=…", Style: "primary"}}}}}
		case botapi.Rename, botapi.SetAvatar, botapi.SetDescription, botapi.AddMember, botapi.Handover, botapi.EndAssist:
			continue
		default:
			fail(i, in, tandem.Errorf(tandem.EInvalid, "unknown instruction type %q", in.Type))
			continue
		}
		if err := checkMessage(m); err != nil {
			fail(i, in, err)
			continue
		}
		view := ClientView(&tandem.Message{Text: m.Text, Blocks: blocksOf(m)}, author)
		out.Messages = append(out.Messages, view)
	}
	return out, nil
}
