package main

import (
	"context"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/tandemhq/tandem/botapi"
)

// The callback buttons the bot offers.
const (
	actionShare = "share"
	actionHuman = "human"
)

// Bot answers the events Tandem sends it.
type Bot struct {
	API *botapi.Client
	Log *slog.Logger
}

// Answer is the bot's answer to one event: instructions Tandem applies
// (all, or none when the bot lacks a scope; then a refused event comes).
func (b *Bot) Answer(ctx context.Context, ev *botapi.Event) (*botapi.Answer, error) {
	switch ev.Type {
	case botapi.EventMention:
		return b.mentioned(ctx, ev), nil
	case botapi.EventAction:
		return b.pressed(ev), nil
	case botapi.EventCommand:
		return b.command(ev), nil
	case botapi.EventRefused:
		for _, r := range ev.Refused.Refused {
			b.Log.Warn("instruction refused", "type", r.Type, "reason", r.Reason, "scope", r.Scope)
		}
	}
	return nil, nil
}

// mentioned answers a message: words about a person or a screen go
// straight there; anything else gets the two choices.
func (b *Bot) mentioned(ctx context.Context, ev *botapi.Event) *botapi.Answer {
	text := ""
	if ev.Message != nil {
		text = strings.ToLower(ev.Message.Text)
	}
	switch {
	case strings.Contains(text, "human") || strings.Contains(text, "agent") || strings.Contains(text, "person"):
		return handover("asked for a person: " + clip(text, 200))
	case strings.Contains(text, "screen") || strings.Contains(text, "share"):
		return answer(botapi.Instruction{Type: botapi.Invite, Message: &botapi.Message{Text: "Share my screen with support"}})
	}
	page := ""
	if ev.Assist != nil && ev.Assist.PageURL != "" {
		page = " on " + ev.Assist.PageURL
	}
	return answer(botapi.Instruction{Type: botapi.Post, Message: &botapi.Message{
		Text: "Hello " + ev.From.Name + "! I can show support your screen" + page + ", or find you a person.",
		Blocks: []botapi.Block{
			{Type: "section", Text: "How would you like to go on?"},
			{Type: "actions", Buttons: []botapi.Button{
				{Label: "Share my screen", ActionID: actionShare, Style: "primary"},
				{Label: "Talk to a person", ActionID: actionHuman},
			}},
		},
	}})
}

// pressed answers a button: the message with the choices is replaced by
// what was chosen, so that it cannot be pressed twice.
func (b *Bot) pressed(ev *botapi.Event) *botapi.Answer {
	switch ev.Action.ActionID {
	case actionShare:
		return answer(
			botapi.Instruction{Type: botapi.Replace, Message: &botapi.Message{Text: ev.From.Name + " chose to share their screen."}},
			botapi.Instruction{Type: botapi.Invite, Message: &botapi.Message{Text: "Share my screen with support"}},
		)
	case actionHuman:
		a := handover(ev.From.Name + " asked for a person")
		a.Instructions = append([]botapi.Instruction{
			{Type: botapi.Replace, Message: &botapi.Message{Text: ev.From.Name + " asked for a person."}},
		}, a.Instructions...)
		return a
	}
	return nil
}

// command answers /triage TEXT with a notice to whoever ran it.
func (b *Bot) command(ev *botapi.Event) *botapi.Answer {
	return answer(botapi.Instruction{Type: botapi.Notice, Message: &botapi.Message{
		Text: "Triage for " + ev.Conversation.ID + ": " + clip(ev.Command.Text, 200) + " (assist " + assistState(ev) + ")",
	}})
}

// handover queues the conversation for agents and tells the person.
func handover(summary string) *botapi.Answer {
	return answer(
		botapi.Instruction{Type: botapi.Post, Message: &botapi.Message{Text: "I am asking a person from support to join; they will see this conversation."}},
		botapi.Instruction{Type: botapi.Handover, Summary: summary},
	)
}

func assistState(ev *botapi.Event) string {
	if ev.Assist == nil {
		return "none"
	}
	return ev.Assist.State
}

func answer(ins ...botapi.Instruction) *botapi.Answer { return &botapi.Answer{Instructions: ins} }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
