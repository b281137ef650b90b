package record

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// benchPayload is 1 KiB shaped like the incremental events of a web assist.
func benchPayload() []byte {
	return bytes.Repeat([]byte(`{"type":3,"data":{"source":2,"x":120,"y":340}},`), 22)[:1024]
}

// BenchmarkWrite measures what a session pays per Write: an append in
// memory. Compressing and storing, which run beside it, are left out by
// flushing with the timer stopped.
func BenchmarkWrite(b *testing.B) {
	store, _ := newStore(b)
	w := NewWriter(store, "bench", WriterOptions{})
	p := benchPayload()
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := w.Write(p); err != nil {
			b.Fatal(err)
		}
		if n++; n%(16<<10) == 0 {
			b.StopTimer()
			if err := w.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
	b.StopTimer()
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkWriteStored includes compressing and storing: the throughput a
// recording sustains end to end, Close included.
func BenchmarkWriteStored(b *testing.B) {
	store, _ := newStore(b)
	w := NewWriter(store, "bench", WriterOptions{})
	p := benchPayload()
	b.SetBytes(int64(len(p)))
	n := 0
	for b.Loop() {
		if err := w.WriteFrame(time.Now(), p); err != nil {
			b.Fatal(err)
		}
		// Keep at most 16 MiB waiting, well under MaxBufferBytes.
		if n++; n%(16<<10) == 0 {
			if err := w.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
}
