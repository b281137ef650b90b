package s3blobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/minio/minio-go/v7"
)

// putOptions are the same for every object: Tandem's blobs are opaque.
// The client's streaming signature (aws-chunked framing, used over plain
// http) is turned off: some servers leave the final chunk of an empty body
// unread and answer the connection's next request with 400. Every body is in
// memory, so its SHA-256 is computed up front instead (see payloadHash).
var putOptions = minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: PartSize, DisableContentSha256: true}

// Put stores r under key. A blob of at most PartSize bytes is one request;
// a longer one (a reader of unknown length, say an exported video) is
// streamed as a multipart upload, PartSize bytes in memory at a time, and
// becomes visible only when the upload completes. A reader that fails
// aborts the upload, so the key keeps its old blob.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	obj, err := s.object(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// An in-memory blob (a recording chunk) of known length is sent as it
	// is, without a copy; a section reader lets a retry start it again.
	switch rd := r.(type) {
	case *bytes.Reader:
		if rd.Len() <= PartSize {
			return s.putOne(ctx, key, obj, io.NewSectionReader(rd, rd.Size()-int64(rd.Len()), int64(rd.Len())), int64(rd.Len()))
		}
	case *strings.Reader:
		if rd.Len() <= PartSize {
			return s.putOne(ctx, key, obj, io.NewSectionReader(rd, rd.Size()-int64(rd.Len()), int64(rd.Len())), int64(rd.Len()))
		}
	}
	buf := s.bufs.Get().(*[PartSize]byte)
	defer s.bufs.Put(buf)
	n, err := io.ReadFull(r, buf[:])
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return s.putOne(ctx, key, obj, bytes.NewReader(buf[:n]), int64(n))
	case nil:
		return s.putParts(ctx, key, obj, buf[:], r)
	default:
		return fmt.Errorf("s3blobs: put %q: reading the blob: %w", key, err)
	}
}

// putOne stores a blob of known size with one request.
func (s *Store) putOne(ctx context.Context, key, obj string, r io.ReadSeeker, size int64) error {
	sum, err := s.payloadHash(r)
	if err != nil {
		return fmt.Errorf("s3blobs: put %q: reading the blob: %w", key, err)
	}
	return s.timed(ctx, "put", key, func(opCtx context.Context) error {
		_, err := minio.Core{Client: s.client}.PutObject(opCtx, s.bucket, obj, r, size, "", sum, putOptions)
		return err
	})
}

// payloadHash returns the hex SHA-256 of what r holds, by which the request
// signature covers the body over plain http; over https, where TLS protects
// the body, it returns "" (an unsigned payload) and spares the work.
func (s *Store) payloadHash(r io.ReadSeeker) (string, error) {
	if s.secure {
		return "", nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// putParts uploads buf, which is full, and then the rest of r, one part at
// a time, each under its own timeout. Any failure aborts the upload.
func (s *Store) putParts(ctx context.Context, key, obj string, buf []byte, r io.Reader) (err error) {
	core := minio.Core{Client: s.client}
	var uploadID string
	err = s.timed(ctx, "put", key, func(opCtx context.Context) (err error) {
		uploadID, err = core.NewMultipartUpload(opCtx, s.bucket, obj, putOptions)
		return err
	})
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.abort(ctx, key, obj, uploadID))
		}
	}()
	var parts []minio.CompletePart
	n := len(buf)
	for num := 1; ; num++ {
		body := bytes.NewReader(buf[:n])
		sum, err := s.payloadHash(body)
		if err != nil {
			return err
		}
		var part minio.ObjectPart
		err = s.timed(ctx, "put", key, func(opCtx context.Context) (err error) {
			part, err = core.PutObjectPart(opCtx, s.bucket, obj, uploadID, num, body, int64(n),
				minio.PutObjectPartOptions{Sha256Hex: sum, DisableContentSha256: true})
			return err
		})
		if err != nil {
			return err
		}
		parts = append(parts, minio.CompletePart{PartNumber: num, ETag: part.ETag})
		if n < len(buf) {
			break // that was the short last part
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var rerr error
		n, rerr = io.ReadFull(r, buf)
		if rerr == io.EOF {
			break
		} else if rerr != nil && rerr != io.ErrUnexpectedEOF {
			return fmt.Errorf("s3blobs: put %q: reading the blob: %w", key, rerr)
		}
		if num == maxParts {
			return fmt.Errorf("s3blobs: put %q: the blob is over %d parts of %d bytes", key, maxParts, PartSize)
		}
	}
	return s.timed(ctx, "put", key, func(opCtx context.Context) error {
		_, err := core.CompleteMultipartUpload(opCtx, s.bucket, obj, uploadID, parts, putOptions)
		return err
	})
}

// abort discards an upload's parts, also when ctx is done: an upload left
// open keeps its parts on the server, invisible but stored.
func (s *Store) abort(ctx context.Context, key, obj, uploadID string) error {
	return s.timed(context.WithoutCancel(ctx), "abort upload of", key, func(opCtx context.Context) error {
		return minio.Core{Client: s.client}.AbortMultipartUpload(opCtx, s.bucket, obj, uploadID)
	})
}

// timed runs one request (with the client's retries) under the timeout.
func (s *Store) timed(ctx context.Context, op, key string, fn func(opCtx context.Context) error) error {
	opCtx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := fn(opCtx); err != nil {
		return s.fail(ctx, opCtx, op, key, err)
	}
	return nil
}
