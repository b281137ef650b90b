package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var got []string
	p := Program{Name: "prog", Commands: []Command{
		{"hello", "says hello", func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
			got = args
			return nil
		}},
	}}
	tests := []struct {
		args    []string
		wantErr error
		usage   bool
	}{
		{[]string{"hello", "a", "b"}, nil, false},
		{nil, flag.ErrHelp, true},
		{[]string{"-h"}, flag.ErrHelp, true},
		{[]string{"nope"}, errors.New(`unknown command "nope"`), true},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		err := p.Run(context.Background(), tt.args, nil, io.Discard, &stderr)
		if (err == nil) != (tt.wantErr == nil) || (err != nil && err.Error() != tt.wantErr.Error()) {
			t.Errorf("Run(%v) = %v, want %v", tt.args, err, tt.wantErr)
		}
		if shown := strings.Contains(stderr.String(), "hello  says hello"); shown != tt.usage {
			t.Errorf("Run(%v) usage shown = %v:\n%s", tt.args, shown, stderr.String())
		}
	}
	if strings.Join(got, ",") != "a,b" {
		t.Errorf("hello got args %v", got)
	}
}
