// Package s3blobs is a blobs.Store on an S3-compatible bucket (AWS S3,
// versitygw, Ceph, …), for installations that keep recordings in object
// storage rather than on one node's disk.
//
// Every request is bounded: connecting, waiting for an answer and each
// operation have timeouts, so that a dead endpoint fails in seconds
// instead of hanging a recording; transient failures are retried with
// backoff by the client.
package s3blobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
)

const (
	// PartSize is the size of each part of a multipart upload and the most
	// a Put keeps in memory. Blobs up to this size take one request.
	PartSize = 8 << 20
	// maxParts is S3's limit on the parts of one upload: with PartSize it
	// caps a blob at 80 GiB.
	maxParts = 10000
	// maxParallel is how many Puts one Store serves well at once; the
	// transport keeps as many connections open for reuse.
	maxParallel = 32
	// maxAttempts bounds the client's own retries of one request (backoff
	// from 200 ms, at most 1 s apart); the operation's timeout bounds them
	// too.
	maxAttempts = 5
	// maxDial bounds connecting and the TLS handshake whatever the timeout.
	maxDial = 10 * time.Second
)

// Store keeps blobs as objects in one bucket, each key under the URL's
// prefix. It is safe for concurrent use.
type Store struct {
	client    *minio.Client
	transport *http.Transport
	secure    bool
	bucket    string
	prefix    string
	where     string
	timeout   time.Duration
	// bufs holds PartSize buffers for Puts of readers of unknown length.
	bufs sync.Pool
}

var _ blobs.Store = (*Store)(nil)
var (
	_ blobs.Parallel  = (*Store)(nil)
	_ blobs.Gathering = (*Store)(nil)
)

// Open connects to the bucket an s3:// URL names and checks that it exists
// and that the credentials may use it:
//
//	s3://[ACCESS:SECRET@]bucket[/prefix][?endpoint=URL][&region=R][&timeout=D]
//
// endpoint is an http:// or https:// server of one's own (addressed
// path-style); without it the bucket is on AWS. Credentials missing from the
// URL come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN; the region from AWS_REGION, else us-east-1 for an
// endpoint of one's own. timeout (default 30s) bounds connecting, waiting
// for an answer, and each operation: a Delete, a part of an upload, a List
// or Get that makes no progress.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	cfg, err := parseURL(rawURL, os.Getenv)
	if err != nil {
		return nil, err
	}
	s, err := newStore(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.checkBucket(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func newStore(cfg *config) (*Store, error) {
	secure := cfg.endpoint.Scheme == "https"
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("s3blobs: transport: %w", err)
	}
	dial := min(cfg.timeout, maxDial)
	tr.DialContext = (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = dial
	tr.ResponseHeaderTimeout = cfg.timeout
	tr.ExpectContinueTimeout = min(cfg.timeout, time.Second)
	tr.MaxIdleConnsPerHost = maxParallel
	lookup := minio.BucketLookupAuto
	if cfg.custom {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(cfg.endpoint.Host, &minio.Options{
		Creds:        cfg.creds,
		Secure:       secure,
		Transport:    tr,
		Region:       cfg.region,
		BucketLookup: lookup,
		MaxRetries:   maxAttempts,
	})
	if err != nil {
		return nil, fmt.Errorf("s3blobs: %s: %w", cfg.where(), err)
	}
	return &Store{
		client:    client,
		transport: tr,
		secure:    secure,
		bucket:    cfg.bucket,
		prefix:    cfg.prefix,
		where:     cfg.where(),
		timeout:   cfg.timeout,
		bufs:      sync.Pool{New: func() any { return new([PartSize]byte) }},
	}, nil
}

// checkBucket fails unless the bucket exists and answers our credentials.
func (s *Store) checkBucket(ctx context.Context) error {
	opCtx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ok, err := s.client.BucketExists(opCtx, s.bucket)
	if err != nil {
		return fmt.Errorf("s3blobs: cannot use %s: %w", s.where, s.cause(ctx, opCtx, err))
	}
	if !ok {
		return fmt.Errorf("s3blobs: %s does not exist (create it first)", s.where)
	}
	return nil
}

// MaxParallel is how many Puts the store serves well at once, for callers
// that size a gate of concurrent uploads.
func (s *Store) MaxParallel() int { return maxParallel }

// GatherFor is how long a writer that may wait gathers before storing an
// object: 30 s, six times the directory's 5 s, because every Put is a
// request to the bucket. At 1,000 live assists that is 33 requests a second
// instead of 200 (docs/performance.md).
func (s *Store) GatherFor() time.Duration { return gatherFor }

// gatherFor is GatherFor's answer.
const gatherFor = 30 * time.Second

// object names key's object in the bucket.
func (s *Store) object(key string) (string, error) {
	if err := blobs.ValidKey(key); err != nil {
		return "", err
	}
	if len(s.prefix)+len(key) > blobs.MaxKeyBytes {
		return "", tandem.Errorf(tandem.EInvalid, "blob key %q is too long under the prefix %q", key, s.prefix)
	}
	return s.prefix + key, nil
}

// cause explains why an operation under opCtx (derived from ctx) failed:
// the caller's cancellation, our timeout, or err.
func (s *Store) cause(ctx, opCtx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(opCtx.Err(), context.DeadlineExceeded) || errors.Is(opCtx.Err(), context.Canceled) {
		return fmt.Errorf("no answer within %s: %w", s.timeout, context.DeadlineExceeded)
	}
	return err
}

func (s *Store) fail(ctx, opCtx context.Context, op, key string, err error) error {
	return fmt.Errorf("s3blobs: %s %q in %s: %w", op, key, s.where, s.cause(ctx, opCtx, err))
}

// isNotFound reports whether the server says there is no such object.
func isNotFound(err error) bool {
	switch minio.ToErrorResponse(err).Code {
	case minio.NoSuchKey, "NotFound":
		return true
	}
	return false
}

// Get opens key's object. The reader fails if the server sends nothing for
// the timeout while it waits; a slow reader of it is not timed.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := s.object(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The body is read under opCtx after Get returns: it ends on Close,
	// or when the watchdog sees no progress for the timeout.
	opCtx, cancel := context.WithCancel(ctx)
	watchdog := time.AfterFunc(s.timeout, cancel)
	body, _, _, err := minio.Core{Client: s.client}.GetObject(opCtx, s.bucket, obj, minio.GetObjectOptions{})
	watchdog.Stop()
	if err != nil {
		defer cancel()
		if isNotFound(err) {
			return nil, tandem.Errorf(tandem.ENotFound, "no blob %q", key)
		}
		return nil, s.fail(ctx, opCtx, "get", key, err)
	}
	return &getReader{s: s, key: key, ctx: ctx, opCtx: opCtx, cancel: cancel, watchdog: watchdog, body: body}, nil
}

// getReader times each Read that waits on the network.
type getReader struct {
	s          *Store
	key        string
	ctx, opCtx context.Context
	cancel     context.CancelFunc
	watchdog   *time.Timer
	body       io.ReadCloser
}

func (r *getReader) Read(p []byte) (int, error) {
	r.watchdog.Reset(r.s.timeout)
	n, err := r.body.Read(p)
	r.watchdog.Stop()
	if err != nil && err != io.EOF {
		err = r.s.fail(r.ctx, r.opCtx, "read", r.key, err)
	}
	return n, err
}

func (r *getReader) Close() error {
	r.watchdog.Stop()
	r.cancel()
	return r.body.Close()
}

// List pages through the bucket (1,000 keys a request). It fails when no
// page arrives for the timeout, rather than return part of the keys.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	if err := blobs.ValidPrefix(prefix); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	watchdog := time.AfterFunc(s.timeout, cancel)
	defer watchdog.Stop()
	var keys []string
	for obj := range s.client.ListObjectsIter(opCtx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, s.fail(ctx, opCtx, "list", prefix, obj.Err)
		}
		watchdog.Reset(s.timeout)
		key := strings.TrimPrefix(obj.Key, s.prefix)
		// Objects that no Put could have made (a "dir/" marker another
		// tool left) are not blobs.
		if blobs.ValidKey(key) == nil {
			keys = append(keys, key)
		}
	}
	// The listing ends quietly when its context does: that is a failure,
	// not the end of the keys.
	if opCtx.Err() != nil {
		return nil, s.fail(ctx, opCtx, "list", prefix, opCtx.Err())
	}
	// S3 lists in byte order already; not every compatible server does.
	slices.Sort(keys)
	return keys, nil
}

// Delete removes key's object; S3 answers success for a missing one.
func (s *Store) Delete(ctx context.Context, key string) error {
	obj, err := s.object(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.timed(ctx, "delete", key, func(opCtx context.Context) error {
		if err := s.client.RemoveObject(opCtx, s.bucket, obj, minio.RemoveObjectOptions{}); !isNotFound(err) {
			return err
		}
		return nil
	})
}

// Close lets go of the idle connections to the endpoint. The store must not
// be used after.
func (s *Store) Close() { s.transport.CloseIdleConnections() }
