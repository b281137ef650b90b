package tandem

import (
	"errors"
	"fmt"
)

// Error codes shared by every package. The HTTP API maps them to status codes
// and returns them as {"error":{"code","message"}}.
const (
	EInvalid              = "invalid"                // bad input; nothing changed
	ENotFound             = "not_found"              // no such thing
	EConflict             = "conflict"               // exists already, or wrong state for this
	EUnauthorized         = "unauthorized"           // not signed in, or bad credentials
	EForbidden            = "forbidden"              // signed in, but not allowed
	EExpired              = "expired"                // an invite or token whose time has passed
	EUsed                 = "used"                   // a single-use thing used already
	ERateLimited          = "rate_limited"           // too many attempts; try later
	EInternal             = "internal"               // our fault; details are logged, not shown
	ETooLarge             = "too_large"              // a body or frame over its limit
	EUnavailable          = "unavailable"            // shutting down, or a dependency is down
	ENotAllowed           = "not_allowed"            // e.g. an origin not allowed for a site
	EBadProtocol          = "bad_protocol"           // a malformed frame on a channel
	EBeforeReady          = "before_ready"           // e.g. events before consent
	ESlowConsumer         = "slow_consumer"          // a reader that fell too far behind
	EUnsupportedMediaType = "unsupported_media_type" // a request body that is not JSON
)

// Error is an error meant to be shown to whoever caused it.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic message for other errors so that internals are never shown.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
