package record

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// compressionLevel trades a little size for speed: on recorded frames level
// 2 compresses about 3.5 times as fast as the default level 6 (230 vs
// 66 MB/s on one core) for output 13% larger, and recording runs beside
// every live session.
const compressionLevel = 2

// compressors holds gzip writers between chunks: each is large (hundreds of
// KiB of tables), and a server records many sessions at once, so they are
// shared rather than kept per Writer.
var compressors = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, compressionLevel) // the level is valid
	return zw
}}

// compress returns data as one complete gzip member.
func compress(data []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(data)/4 + 64)
	zw := compressors.Get().(*gzip.Writer)
	defer compressors.Put(zw)
	zw.Reset(&out)
	if _, err := zw.Write(data); err != nil {
		return nil, fmt.Errorf("compressing a chunk: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing a chunk: %w", err)
	}
	return out.Bytes(), nil
}
