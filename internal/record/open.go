package record

import (
	"bufio"
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
	// One buffer for all the chunks, which gzip then reads from directly,
	// so that starting the next member loses nothing read ahead.
	br := bufio.NewReader(cr)
	zr, err := gzip.NewReader(br)
	if err != nil {
		cr.Close()
		return nil, fmt.Errorf("reading recording %s: %w", sessionID, err)
	}
	// Each chunk is a gzip member. gzip could read the members as one
	// stream, but it would then read the next member's header, fetching
	// the next chunk, before it returned the end of the current one: a
	// server flushing in BeforeChunk would hold back up to a window
	// (32 KiB) of each chunk while the next is fetched. Member by member,
	// a chunk is returned whole before the next is opened.
	zr.Multistream(false)
	return &reader{zr: zr, br: br, cr: cr}, nil
}

type reader struct {
	zr *gzip.Reader
	br *bufio.Reader
	cr *chunkReader
	// next: the current member is read to its end; the next Read starts
	// the next one.
	next bool
}

func (r *reader) Read(p []byte) (int, error) {
	if r.next {
		if err := r.zr.Reset(r.br); err != nil {
			if errors.Is(err, io.EOF) {
				return 0, io.EOF // no chunk left
			}
			return 0, fmt.Errorf("reading recording %s: %w", r.cr.sessionID, err)
		}
		r.zr.Multistream(false) // Reset turned it back on
		r.next = false
	}
	n, err := r.zr.Read(p)
	if errors.Is(err, io.EOF) {
		r.next, err = true, nil
	}
	if err != nil {
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
