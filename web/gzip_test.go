package web

import (
	"compress/gzip"
	"io"
)

func gzipBest(w io.Writer, b []byte) error {
	z, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := z.Write(b); err != nil {
		return err
	}
	return z.Close()
}
