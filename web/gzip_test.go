package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
)

// decodeCompressed returns the bytes a precompressed file (NAME.gz or
// NAME.br) stands for, and NAME.
func decodeCompressed(name string, b []byte) (base string, plain []byte, err error) {
	var r io.Reader
	switch {
	case strings.HasSuffix(name, ".gz"):
		z, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return "", nil, fmt.Errorf("gunzip %s: %w", name, err)
		}
		r = z
	case strings.HasSuffix(name, ".br"):
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		return "", nil, fmt.Errorf("%s is not a compressed file", name)
	}
	plain, err = io.ReadAll(r)
	if err != nil {
		return "", nil, fmt.Errorf("decompress %s: %w", name, err)
	}
	return name[:len(name)-3], plain, nil
}

func isCompressed(name string) bool {
	return strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".br")
}
