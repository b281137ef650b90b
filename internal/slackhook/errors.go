// Package slackhook is Tandem's Slack-compatible incoming webhook: Parse
// reads what tools that post Slack incoming webhooks send (text, a subset
// of Block Kit, legacy attachments; JSON or a form's payload= field) as a
// botapi.Message, and a Receiver posts it as the hook's bot in the hook's
// conversation. Errors are Slack's strings with their HTTP statuses, so
// that monitoring and CI tools work unchanged.
package slackhook

import (
	"fmt"
	"net/http"
	"time"
)

// Error is an answer Slack would give: an HTTP status and a short code
// string, which is the whole response body. Detail says more, for logs
// and for a header of the response.
type Error struct {
	Status int
	Code   string
	Detail string
	// RetryAfter is, for rate_limited, when to try again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Code
	}
	return e.Code + ": " + e.Detail
}

// Is makes errors.Is(err, ErrNoText) true for any no_text error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// The errors, by Slack's codes. Compare with errors.Is.
var (
	ErrInvalidPayload     = &Error{Status: http.StatusBadRequest, Code: "invalid_payload"}
	ErrNoText             = &Error{Status: http.StatusBadRequest, Code: "no_text"}
	ErrInvalidBlocks      = &Error{Status: http.StatusBadRequest, Code: "invalid_blocks"}
	ErrTooManyAttachments = &Error{Status: http.StatusBadRequest, Code: "too_many_attachments"}
	ErrMsgTooLong         = &Error{Status: http.StatusBadRequest, Code: "msg_too_long"}
	ErrTooLarge           = &Error{Status: http.StatusRequestEntityTooLarge, Code: "request_too_large"}
	ErrNoService          = &Error{Status: http.StatusNotFound, Code: "no_service"}
	ErrChannelNotFound    = &Error{Status: http.StatusNotFound, Code: "channel_not_found"}
	ErrInvalidToken       = &Error{Status: http.StatusForbidden, Code: "invalid_token"}
	ErrActionProhibited   = &Error{Status: http.StatusForbidden, Code: "action_prohibited"}
	ErrRateLimited        = &Error{Status: http.StatusTooManyRequests, Code: "rate_limited"}
	ErrInternal           = &Error{Status: http.StatusInternalServerError, Code: "internal_error"}
)

// fail returns base with a detail.
func fail(base *Error, format string, args ...any) *Error {
	e := *base
	e.Detail = fmt.Sprintf(format, args...)
	return &e
}
