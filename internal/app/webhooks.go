package app

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"

	"github.com/tandemhq/tandem/internal/metrics"
	"github.com/tandemhq/tandem/internal/webhook"
)

// webhooks are the client Tandem uses for bots and the outbox workers.
type webhooks struct {
	// client is the one HTTP client for everything sent to, or fetched
	// for, bots: it refuses internal addresses unless --webhook-allow
	// names them.
	client *http.Client
	worker *webhook.Worker
}

// parseWebhookAllow reads --webhook-allow, before anything is opened.
func parseWebhookAllow(cfg Config) ([]netip.Prefix, error) {
	allow, err := webhook.ParseAllow(cfg.WebhookAllow...)
	if err != nil {
		return nil, fmt.Errorf("--webhook-allow: %w", err)
	}
	return allow, nil
}

// startWebhooks starts the outbox workers of this node; they stop with
// base, and Close waits for them before closing the store. answers
// applies what bots answer (nil ignores their answers).
func (s *Server) startWebhooks(base context.Context, allow []netip.Prefix, m *metrics.Metrics, answers webhook.Answers) error {
	s.webhooks.client = webhook.NewClient(webhook.ClientConfig{Allow: allow})
	w, err := webhook.New(webhook.Config{
		Store: s.db, Client: s.webhooks.client, Answers: answers, Observer: m, Logger: s.log,
		Workers: s.cfg.WebhookWorkers, MaxAttempts: s.cfg.WebhookAttempts, Poll: s.cfg.WebhookPoll,
	})
	if err != nil {
		return err
	}
	s.webhooks.worker = w
	s.wg.Go(func() { w.Run(base) })
	return nil
}

// KickWebhooks makes this node's workers look for due requests to bots at
// once, rather than at their next poll: tests call it after enqueueing.
func (s *Server) KickWebhooks() {
	if s.webhooks.worker != nil {
		s.webhooks.worker.Kick()
	}
}

// BotClient is the HTTP client for everything sent to, or fetched for,
// bots (see webhook.NewClient): the bot service uses it too.
func (s *Server) BotClient() *http.Client { return s.webhooks.client }
