package main

import (
	"context"
	"errors"
	"io"
)

// Placeholder until terminal assistance lands.
func runShare(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("share: not available yet")
}

func runTerminal(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("terminal: not available yet")
}
