package backend

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"

	"github.com/tandemhq/tandem/internal/blobs"
)

// BlobCopy is how far CopyBlobs got.
type BlobCopy struct {
	Total   int   // keys in the source
	Done    int   // keys handled so far: Copied + Present
	Copied  int   // keys written to the destination
	Present int   // keys the destination held already, with the same bytes
	Bytes   int64 // bytes written
}

// CopyBlobs copies every blob of from into to, streamed, and reads each
// copy back to check that it has the source's bytes (SHA-256). A key the
// destination holds already with the same bytes is left alone, so that
// running it again after a failure finishes the work without redoing it;
// one with other bytes is overwritten. progress, when not nil, is called
// after each key. The source must not change meanwhile.
func CopyBlobs(ctx context.Context, from, to blobs.Store, progress func(BlobCopy)) (BlobCopy, error) {
	var st BlobCopy
	keys, err := from.List(ctx, "")
	if err != nil {
		return st, fmt.Errorf("list the source: %w", err)
	}
	there, err := to.List(ctx, "")
	if err != nil {
		return st, fmt.Errorf("list the destination: %w", err)
	}
	present := make(map[string]bool, len(there))
	for _, k := range there {
		present[k] = true
	}
	st.Total = len(keys)
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if present[key] {
			want, err := blobSum(ctx, from, key)
			if err != nil {
				return st, fmt.Errorf("read %s from the source: %w", key, err)
			}
			got, err := blobSum(ctx, to, key)
			if err != nil {
				return st, fmt.Errorf("read %s from the destination: %w", key, err)
			}
			if bytes.Equal(got, want) {
				st.Present++
				st.Done++
				if progress != nil {
					progress(st)
				}
				continue
			}
		}
		n, want, err := copyBlob(ctx, from, to, key)
		if err != nil {
			return st, err
		}
		got, err := blobSum(ctx, to, key)
		if err != nil {
			return st, fmt.Errorf("read %s back from the destination: %w", key, err)
		}
		if !bytes.Equal(got, want) {
			return st, fmt.Errorf("%s: the copy's bytes differ from the source's (did the source change?)", key)
		}
		st.Copied++
		st.Done++
		st.Bytes += n
		if progress != nil {
			progress(st)
		}
	}
	return st, nil
}

// copyBlob streams one blob from one store to the other and returns its
// size and the SHA-256 of the bytes it streamed.
func copyBlob(ctx context.Context, from, to blobs.Store, key string) (int64, []byte, error) {
	rc, err := from.Get(ctx, key)
	if err != nil {
		return 0, nil, fmt.Errorf("read %s from the source: %w", key, err)
	}
	defer rc.Close()
	h := sha256.New()
	cr := &countingReader{r: io.TeeReader(rc, h)}
	if err := to.Put(ctx, key, cr); err != nil {
		return 0, nil, fmt.Errorf("write %s: %w", key, err)
	}
	// The sum is of what was streamed: it is the source's only if Put
	// read to the end.
	if n, _ := cr.Read(make([]byte, 1)); n > 0 {
		return 0, nil, fmt.Errorf("write %s: the destination stopped reading before the end", key)
	}
	return cr.n, h.Sum(nil), nil
}

// blobSum is the SHA-256 of the blob under key.
func blobSum(ctx context.Context, bs blobs.Store, key string) ([]byte, error) {
	rc, err := bs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
