package main

import (
	"context"
	"errors"
	"io"
)

// Placeholder until the store lands.
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("user: not available yet")
}

func runSite(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("site: not available yet")
}
