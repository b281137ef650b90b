package record

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
)

// Open returns the whole recorded stream of a session, decompressed, as it
// was stored when Open listed the chunks. ctx is used to fetch each chunk as
// reading reaches it, so it must stay live until the reader is closed. A
// session with no chunks is a *tandem.Error of code tandem.ENotFound.
func Open(ctx context.Context, store blobs.Store, sessionID string) (io.ReadCloser, error) {
	return OpenWith(ctx, store, sessionID, ReadOptions{})
}

// ReadOptions tune OpenWith.
type ReadOptions struct {
	// BeforeChunk, if set, is called before each chunk but the first is
	// fetched, from the goroutine that reads. A server streaming the
	// recording flushes its answer there: the fetch may take a while, and
	// the client can use what was read so far meanwhile.
	BeforeChunk func()
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, store blobs.Store, sessionID string, opts ReadOptions) (io.ReadCloser, error) {
	if err := validSessionID(sessionID); err != nil {
		return nil, err
	}
	nums, err := chunks(ctx, store, sessionID)
	if err != nil {
		return nil, err
	}
	if len(nums) == 0 {
		return nil, tandem.Errorf(tandem.ENotFound, "no recording of session %q", sessionID)
	}
	cr := &chunkReader{ctx: ctx, store: store, sessionID: sessionID, nums: nums, before: opts.BeforeChunk}
	// gzip reads concatenated members as one stream, which is exactly what
	// the chunks are.
	zr, err := gzip.NewReader(cr)
	if err != nil {
		cr.Close()
		return nil, fmt.Errorf("reading recording %s: %w", sessionID, err)
	}
	return &reader{zr: zr, cr: cr}, nil
}

type reader struct {
	zr *gzip.Reader
	cr *chunkReader
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.zr.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("reading recording %s: %w", r.cr.sessionID, err)
	}
	return n, err
}

func (r *reader) Close() error {
	r.zr.Close()
	return r.cr.Close()
}

// chunkReader reads the compressed chunks one after another, opening each
// only when the previous one is used up.
type chunkReader struct {
	ctx       context.Context
	store     blobs.Store
	sessionID string
	nums      []uint64
	cur       io.ReadCloser
	before    func() // ReadOptions.BeforeChunk
	opened    int    // chunks opened so far
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for {
		if c.cur == nil {
			if len(c.nums) == 0 {
				return 0, io.EOF
			}
			if c.opened > 0 && c.before != nil {
				c.before()
			}
			c.opened++
			key := chunkKey(c.sessionID, c.nums[0])
			rc, err := c.store.Get(c.ctx, key)
			if err != nil {
				return 0, fmt.Errorf("opening chunk %s: %w", key, err)
			}
			c.nums = c.nums[1:]
			c.cur = rc
		}
		n, err := c.cur.Read(p)
		if errors.Is(err, io.EOF) {
			c.cur.Close()
			c.cur = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (c *chunkReader) Close() error {
	if c.cur == nil {
		return nil
	}
	err := c.cur.Close()
	c.cur = nil
	c.nums = nil
	return err
}
