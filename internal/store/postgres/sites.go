package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

const siteColumns = `id, name, key, allowed_origins, strict_masking, capture_bodies, consent_each_agent, recording_retention, triage_bot_id, created_at, screen_mapping, auto_video`

// CreateSite inserts s after store.CheckSite has normalized it, setting its
// ID, Key and CreatedAt when empty.
func (db *DB) CreateSite(ctx context.Context, s *tandem.Site) error {
	c := *s
	c.AllowedOrigins = append([]string(nil), s.AllowedOrigins...)
	if err := store.CheckSite(&c); err != nil {
		return err
	}
	setIDAndTime(&c.ID, &c.CreatedAt)
	if c.Key == "" {
		c.Key = newSiteKey()
	}
	origins, err := json.Marshal(c.AllowedOrigins)
	if err != nil {
		return wrapErr(err, "create site")
	}
	err = db.tx(ctx, func(tx pgx.Tx) error {
		if err := triageBotExists(ctx, tx, c.TriageBotID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sites (`+siteColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			c.ID, c.Name, c.Key, string(origins), c.StrictMasking, c.CaptureBodies, c.ConsentEachAgent,
			c.RecordingRetention.Milliseconds(), c.TriageBotID, toMillis(c.CreatedAt), c.ScreenMapping, c.AutoVideo)
		if isUnique(err) {
			return tandem.Errorf(tandem.EConflict, "a site with id %q or key %q exists", c.ID, c.Key)
		}
		if err != nil {
			return wrapErr(err, "create site")
		}
		return nil
	})
	if err != nil {
		return err
	}
	*s = c
	return nil
}

// SiteByID returns the site with the given id.
func (db *DB) SiteByID(ctx context.Context, id string) (*tandem.Site, error) {
	s, err := scanSite(db.pool.QueryRow(ctx, `SELECT `+siteColumns+` FROM sites WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "site %q not found", id)
	}
	if err != nil {
		return nil, wrapErr(err, "site by id")
	}
	return s, nil
}

// SiteByKey returns the site with the given public key.
func (db *DB) SiteByKey(ctx context.Context, key string) (*tandem.Site, error) {
	s, err := scanSite(db.pool.QueryRow(ctx, `SELECT `+siteColumns+` FROM sites WHERE key = $1`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "site with key %q not found", key)
	}
	if err != nil {
		return nil, wrapErr(err, "site by key")
	}
	return s, nil
}

// ListSites returns every site, oldest first.
func (db *DB) ListSites(ctx context.Context) ([]*tandem.Site, error) {
	ss, err := queryRows(ctx, db.pool, scanSite, `SELECT `+siteColumns+` FROM sites ORDER BY created_at, id`)
	if err != nil {
		return nil, wrapErr(err, "list sites")
	}
	return ss, nil
}

// UpdateSite writes the name, origins, capture settings, screen mapping, recording
// retention and triage bot of s. The key and creation time do not change.
func (db *DB) UpdateSite(ctx context.Context, s *tandem.Site) error {
	c := *s
	c.AllowedOrigins = append([]string(nil), s.AllowedOrigins...)
	if err := store.CheckSite(&c); err != nil {
		return err
	}
	origins, err := json.Marshal(c.AllowedOrigins)
	if err != nil {
		return wrapErr(err, "update site")
	}
	err = db.tx(ctx, func(tx pgx.Tx) error {
		if err := triageBotExists(ctx, tx, c.TriageBotID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE sites SET name = $1, allowed_origins = $2, strict_masking = $3, capture_bodies = $4,
			consent_each_agent = $5, recording_retention = $6, triage_bot_id = $7, screen_mapping = $8, auto_video = $9 WHERE id = $10`,
			c.Name, string(origins), c.StrictMasking, c.CaptureBodies, c.ConsentEachAgent, c.RecordingRetention.Milliseconds(),
			c.TriageBotID, c.ScreenMapping, c.AutoVideo, c.ID)
		if err != nil {
			return wrapErr(err, "update site")
		}
		return affected(tag, func() error { return tandem.Errorf(tandem.ENotFound, "site %q not found", c.ID) })
	})
	if err != nil {
		return err
	}
	s.Name, s.AllowedOrigins, s.ScreenMapping = c.Name, c.AllowedOrigins, c.ScreenMapping
	return nil
}

// DeleteSite deletes a site with its assists (their consents and pages) and
// invites. The audit log is kept; the recordings of the assists are queued
// for deletion by the same transaction (a trigger on assists, run by the
// cascade), so that no blob outlives its row unnoticed.
func (db *DB) DeleteSite(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sites WHERE id = $1`, id)
	if err != nil {
		return wrapErr(err, "delete site")
	}
	return affected(tag, func() error { return tandem.Errorf(tandem.ENotFound, "site %q not found", id) })
}

// triageBotExists returns tandem.ENotFound unless id is empty (no triage
// bot) or names a bot, which it locks against deletion until tx ends, so
// that a site never names a bot DeleteBot removed.
func triageBotExists(ctx context.Context, tx pgx.Tx, id string) error {
	if id == "" {
		return nil
	}
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM bots WHERE id = $1 FOR SHARE`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return tandem.Errorf(tandem.ENotFound, "bot %q not found", id)
	}
	if err != nil {
		return wrapErr(err, "look up triage bot")
	}
	return nil
}

func scanSite(r pgx.Row) (*tandem.Site, error) {
	var site tandem.Site
	var origins string
	var retention int64
	var created *int64
	if err := r.Scan(&site.ID, &site.Name, &site.Key, &origins, &site.StrictMasking, &site.CaptureBodies, &site.ConsentEachAgent,
		&retention, &site.TriageBotID, &created, &site.ScreenMapping, &site.AutoVideo); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(origins), &site.AllowedOrigins); err != nil {
		return nil, wrapErr(err, "site %s: allowed origins", site.ID)
	}
	if site.AllowedOrigins == nil {
		site.AllowedOrigins = []string{}
	}
	site.RecordingRetention = time.Duration(retention) * time.Millisecond
	site.CreatedAt = fromMillis(created)
	return &site, nil
}
