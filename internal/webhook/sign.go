// Package webhook sends what Tandem owes bots: a pool of workers takes due
// deliveries from the store's outbox, signs each as Standard Webhooks
// specifies, POSTs it with a client that refuses private and loopback
// addresses (NewClient), records every attempt, retries with exponential
// backoff and full jitter (honouring Retry-After), and gives up after the
// last attempt. A bot's answer to a delivered request goes to Answers.
package webhook

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// UserAgent is the User-Agent of every request Tandem sends bots.
const UserAgent = "Tandem-Webhooks/1"

// Sign returns the Standard Webhooks headers of body sent with id at ts,
// keyed with secret ("whsec_" and the base64 key): webhook-id,
// webhook-timestamp and webhook-signature ("v1,<base64 HMAC-SHA256 of
// id.timestamp.body>").
func Sign(secret, id string, ts time.Time, body []byte) (http.Header, error) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, fmt.Errorf("signing secret: %w", err)
	}
	sig, err := wh.Sign(id, ts, body)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	h := make(http.Header, 5)
	h.Set(standardwebhooks.HeaderWebhookID, id)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, sig)
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", UserAgent)
	return h, nil
}
