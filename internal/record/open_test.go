package record

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// When BeforeChunk is called, the reader has returned every byte of the
// chunks before the one about to be fetched: a server that flushes its
// answer there sends the client all it can have while the fetch waits.
func TestBeforeChunkFollowsWholeChunks(t *testing.T) {
	store, _ := newStore(t)
	w := NewWriter(store, "s", WriterOptions{})
	var want strings.Builder
	var ends []int // where each chunk ends in the stream
	for i, size := range []int{100, 40 << 10, 5, 100 << 10} {
		// Varied lines, so that a chunk compresses to several blocks.
		var chunk strings.Builder
		for j := 0; chunk.Len() < size; j++ {
			fmt.Fprintf(&chunk, "chunk %d line %d %x\n", i, j, j*7919)
		}
		if _, err := w.Write([]byte(chunk.String())); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		want.WriteString(chunk.String())
		ends = append(ends, want.Len())
	}
	closeWriter(t, w)
	if keys := chunkKeys(t, store, "s"); len(keys) != len(ends) {
		t.Fatalf("%d chunks, want %d", len(keys), len(ends))
	}

	read := 0
	var seen []int // bytes the reader had returned at each BeforeChunk
	rc, err := OpenWith(t.Context(), store, "s", ReadOptions{BeforeChunk: func() { seen = append(seen, read) }})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var got strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := rc.Read(buf)
		got.Write(buf[:n])
		read += n
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if got.String() != want.String() {
		t.Fatalf("read %d bytes, want %d", got.Len(), want.Len())
	}
	if fmt.Sprint(seen) != fmt.Sprint(ends[:len(ends)-1]) {
		t.Fatalf("BeforeChunk came after %v bytes were read, want after each chunk: %v", seen, ends[:len(ends)-1])
	}
}
