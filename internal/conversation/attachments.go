package conversation

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/gif" // image sizes of attachments
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
)

// MaxAttachmentBytes bounds one attachment.
const MaxAttachmentBytes = 10 << 20

// maxFileName bounds an attachment's name.
const maxFileName = 255

// InlineTypes are the content types served inline (shown in the page):
// images browsers render without running anything. Every other type is
// served as a download.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// Inline reports whether an attachment of contentType may be shown in the
// page rather than downloaded.
func Inline(contentType string) bool { return inlineTypes[contentType] }

// Upload stores a file member by uploads to a conversation, for a message
// it posts next (Post with the attachment's id). Its name is cleaned (no
// path, no control characters), its content type reduced to the media
// type; an image's size is read from its header.
func (s *Service) Upload(ctx context.Context, by tandem.Account, conversationID, name, contentType string, body io.Reader) (*tandem.Attachment, error) {
	if s.cfg.Blobs == nil {
		return nil, tandem.Errorf(tandem.EUnavailable, "attachments are not stored on this server")
	}
	if _, _, err := s.member(ctx, by, conversationID); err != nil {
		return nil, err
	}
	name, err := cleanName(name)
	if err != nil {
		return nil, err
	}
	ct := "application/octet-stream"
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || len(mt) > 127 {
			return nil, tandem.Errorf(tandem.EInvalid, "content type %q is not a media type", contentType)
		}
		ct = strings.ToLower(mt)
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(body, MaxAttachmentBytes+1))
	if err != nil {
		return nil, tandem.Errorf(tandem.EInvalid, "read the file: %v", err)
	}
	if n > MaxAttachmentBytes {
		return nil, tandem.Errorf(tandem.ETooLarge, "a file is at most %d MiB", MaxAttachmentBytes>>20)
	}
	if n == 0 {
		return nil, tandem.Errorf(tandem.EInvalid, "the file is empty")
	}
	a := &tandem.Attachment{ID: newID(), Name: name, ContentType: ct, Size: n}
	a.BlobKey = "conversations/" + conversationID + "/" + a.ID
	if strings.HasPrefix(ct, "image/") {
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(buf.Bytes())); err == nil {
			a.Width, a.Height = cfg.Width, cfg.Height
		}
	}
	if err := s.cfg.Blobs.Put(ctx, a.BlobKey, &buf); err != nil {
		return nil, fmt.Errorf("store attachment: %w", err)
	}
	if err := s.store.CreateAttachment(ctx, conversationID, by, a); err != nil {
		return nil, fmt.Errorf("record attachment: %w", err)
	}
	return a, nil
}

// cleanName keeps the last element of a file name, without control or
// invisible characters (a right-to-left override makes "gpj.exe" read
// "exe.jpg"); "file" when nothing is left.
func cleanName(name string) (string, error) {
	if err := checkText("name", name, 4*maxFileName); err != nil {
		return "", err
	}
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || invisible(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == "/" || name == ".." {
		name = "file"
	}
	for len(name) > maxFileName {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name, nil
}

// Open returns an attachment of a conversation and its bytes, if account
// a may see the conversation. An attachment no message carries yet is
// its uploader's alone.
func (s *Service) Open(ctx context.Context, a tandem.Account, conversationID, attachmentID string) (*tandem.Attachment, io.ReadCloser, error) {
	if _, _, err := s.visible(ctx, a, conversationID); err != nil {
		return nil, nil, err
	}
	att, conv, uploader, messageID, err := s.store.AttachmentByID(ctx, attachmentID)
	if err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
		return nil, nil, err
	}
	if err != nil || conv != conversationID || (messageID == "" && uploader != a) {
		return nil, nil, tandem.Errorf(tandem.ENotFound, "no such attachment")
	}
	if s.cfg.Blobs == nil {
		return nil, nil, tandem.Errorf(tandem.EUnavailable, "attachments are not stored on this server")
	}
	rc, err := s.cfg.Blobs.Get(ctx, att.BlobKey)
	if err != nil {
		return nil, nil, fmt.Errorf("open attachment: %w", err)
	}
	return att, rc, nil
}
