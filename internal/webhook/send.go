package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

// result is what came of one request to a bot.
type result struct {
	outcome    string
	status     int // 0 when no response came
	err        string
	retryAfter time.Duration
	answer     *botapi.Answer
	// interrupted: the worker is stopping and cut the request short;
	// nothing is recorded.
	interrupted bool
}

// attempt POSTs d's payload, signed with secret, and reads what the bot
// answered.
func (w *Worker) attempt(ctx context.Context, d *tandem.Delivery, secret string) result {
	if err := checkURL(d.URL); err != nil {
		return result{outcome: outcomeDead, err: err.Error()}
	}
	h, err := Sign(secret, d.ID, w.cfg.Now(), d.Payload)
	if err != nil {
		return result{outcome: outcomeDead, err: "the bot's " + err.Error()}
	}
	rctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, d.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return result{outcome: outcomeDead, err: fmt.Sprintf("bad URL: %v", err)}
	}
	req.Header = h
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return result{interrupted: true}
		}
		var refused *RefusedError
		if errors.As(err, &refused) {
			// A refused address stays refused until the configuration
			// changes: retrying would only delay telling the owner.
			return result{outcome: outcomeDead, err: refused.Error()}
		}
		if errors.Is(err, ErrTooManyRedirects) {
			return result{outcome: outcomeDead, err: "the bot's URL " + ErrTooManyRedirects.Error()}
		}
		return result{outcome: outcomeRetry, err: describe(err)}
	}
	defer resp.Body.Close()
	body, readErr := ReadBody(resp.Body, MaxResponseBytes)
	r := result{status: resp.StatusCode}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		r.outcome = outcomeDelivered
		r.answer, r.err = readAnswer(body, readErr)
	case retryable(resp.StatusCode):
		r.outcome = outcomeRetry
		r.err = fmt.Sprintf("the bot answered %s", resp.Status)
		r.retryAfter = retryAfter(resp.Header, w.cfg.Now())
	default:
		r.outcome = outcomeDead
		r.err = fmt.Sprintf("the bot answered %s, which is not retried", resp.Status)
	}
	return r
}

// readAnswer reads a delivered request's response body: empty (or only
// white space) is nothing to do; otherwise it must be a botapi.Answer.
// A body that is not one is noted on the attempt, and ignored.
func readAnswer(body []byte, readErr error) (*botapi.Answer, string) {
	if errors.Is(readErr, ErrBodyTooLarge) {
		return nil, fmt.Sprintf("delivered; the answer is larger than %d KiB and was ignored", MaxResponseBytes>>10)
	}
	if readErr != nil {
		return nil, fmt.Sprintf("delivered; reading the answer failed: %v", readErr)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, ""
	}
	var a botapi.Answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Sprintf("delivered; the answer is not JSON of an answer and was ignored: %v", err)
	}
	if len(a.Instructions) == 0 {
		return nil, ""
	}
	return &a, ""
}

// checkURL refuses what is not an absolute http(s) URL.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("the bot's URL %q is not an http or https URL", raw)
	}
	return nil
}

// describe is a failed request's error for the delivery log: without the
// "Post "URL":" prefix the owner knows already.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if errors.Is(ue.Err, context.DeadlineExceeded) || ue.Timeout() {
			return "the bot did not answer in time"
		}
		return ue.Err.Error()
	}
	return err.Error()
}
