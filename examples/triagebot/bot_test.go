package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/tandemhq/tandem/botapi"
)

func types(a *botapi.Answer) []botapi.InstructionType {
	if a == nil {
		return nil
	}
	var out []botapi.InstructionType
	for _, in := range a.Instructions {
		out = append(out, in.Type)
	}
	return out
}

func TestAnswers(t *testing.T) {
	b := &Bot{Log: slog.New(slog.DiscardHandler)}
	from := botapi.Ref{Account: "person:c1", Name: "Visitor"}
	tests := []struct {
		name string
		ev   botapi.Event
		want []botapi.InstructionType
	}{
		{"greeting", botapi.Event{Type: botapi.EventMention, From: from, Message: &botapi.Message{Text: "@triage hello"}}, []botapi.InstructionType{botapi.Post}},
		{"asks for a person", botapi.Event{Type: botapi.EventMention, From: from, Message: &botapi.Message{Text: "a human please"}},
			[]botapi.InstructionType{botapi.Post, botapi.Handover}},
		{"asks to share", botapi.Event{Type: botapi.EventMention, From: from, Message: &botapi.Message{Text: "can I share my screen"}},
			[]botapi.InstructionType{botapi.Invite}},
		{"presses share", botapi.Event{Type: botapi.EventAction, From: from, Action: &botapi.Action{ActionID: actionShare}},
			[]botapi.InstructionType{botapi.Replace, botapi.Invite}},
		{"presses human", botapi.Event{Type: botapi.EventAction, From: from, Action: &botapi.Action{ActionID: actionHuman}},
			[]botapi.InstructionType{botapi.Replace, botapi.Post, botapi.Handover}},
		{"runs a command", botapi.Event{Type: botapi.EventCommand, From: from, Command: &botapi.Command{Name: "triage", Text: "x"}},
			[]botapi.InstructionType{botapi.Notice}},
		{"told of a refusal", botapi.Event{Type: botapi.EventRefused, Refused: &botapi.Refusal{Refused: []botapi.Refused{{Type: "invite"}}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := b.Answer(context.Background(), &tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			got := types(a)
			if len(got) != len(tt.want) {
				t.Fatalf("answer %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("answer %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestRunNeedsCredentials(t *testing.T) {
	t.Setenv("TRIAGEBOT_TOKEN", "")
	t.Setenv("TRIAGEBOT_SECRET", "")
	if err := run(context.Background(), []string{"--tandem", "http://127.0.0.1:1"}); err == nil {
		t.Fatal("ran without a token and secret")
	}
}
