// Package protocol holds the WebSocket close codes and frame kinds of
// Tandem's channels (docs/protocol.md, docs/terminal.md) for Go. They come
// from protocol.json, the one source that also generates the TypeScript
// module web/shared/protocol.ts; a test fails when either generated file is
// out of date with it.
package protocol

//go:generate go run ./gen
