package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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
		return fmt.Errorf("create site: %w", err)
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if err := triageBotExists(ctx, tx, c.TriageBotID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sites (`+siteColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Name, c.Key, string(origins), c.StrictMasking, c.CaptureBodies, c.ConsentEachAgent,
			c.RecordingRetention.Milliseconds(), c.TriageBotID, toMillis(c.CreatedAt), c.ScreenMapping, c.AutoVideo)
		if isUnique(err) {
			return tandem.Errorf(tandem.EConflict, "a site with id %q or key %q exists", c.ID, c.Key)
		}
		if err != nil {
			return fmt.Errorf("create site: %w", err)
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
	s, err := scanSite(db.r.QueryRowContext(ctx, `SELECT `+siteColumns+` FROM sites WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "site %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("site by id: %w", err)
	}
	return s, nil
}

// SiteByKey returns the site with the given public key.
func (db *DB) SiteByKey(ctx context.Context, key string) (*tandem.Site, error) {
	s, err := scanSite(db.r.QueryRowContext(ctx, `SELECT `+siteColumns+` FROM sites WHERE key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "site with key %q not found", key)
	}
	if err != nil {
		return nil, fmt.Errorf("site by key: %w", err)
	}
	return s, nil
}

// ListSites returns every site, oldest first.
func (db *DB) ListSites(ctx context.Context) ([]*tandem.Site, error) {
	ss, err := queryRows(ctx, db.r, scanSite, `SELECT `+siteColumns+` FROM sites ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list sites: %w", err)
	}
	return ss, nil
}

// UpdateSite writes the name, origins, capture settings, screen mapping,
// recording retention and triage bot of s. The key and creation time do not change.
func (db *DB) UpdateSite(ctx context.Context, s *tandem.Site) error {
	c := *s
	c.AllowedOrigins = append([]string(nil), s.AllowedOrigins...)
	if err := store.CheckSite(&c); err != nil {
		return err
	}
	origins, err := json.Marshal(c.AllowedOrigins)
	if err != nil {
		return fmt.Errorf("update site: %w", err)
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if err := triageBotExists(ctx, tx, c.TriageBotID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE sites SET name = ?, allowed_origins = ?, strict_masking = ?, capture_bodies = ?,
			consent_each_agent = ?, recording_retention = ?, triage_bot_id = ?, screen_mapping = ?, auto_video = ? WHERE id = ?`,
			c.Name, string(origins), c.StrictMasking, c.CaptureBodies, c.ConsentEachAgent, c.RecordingRetention.Milliseconds(),
			c.TriageBotID, c.ScreenMapping, c.AutoVideo, c.ID)
		if err != nil {
			return fmt.Errorf("update site: %w", err)
		}
		return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "site %q not found", c.ID) })
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
	res, err := db.w.ExecContext(ctx, `DELETE FROM sites WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete site: %w", err)
	}
	return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "site %q not found", id) })
}

// triageBotExists returns tandem.ENotFound unless id is empty (no triage
// bot) or names a bot.
func triageBotExists(ctx context.Context, tx *sql.Tx, id string) error {
	if id == "" {
		return nil
	}
	return accountExists(ctx, tx, tandem.Account{Kind: tandem.AccountBot, ID: id})
}

func scanSite(s scanner) (*tandem.Site, error) {
	var site tandem.Site
	var origins string
	var retention int64
	var created sql.NullInt64
	if err := s.Scan(&site.ID, &site.Name, &site.Key, &origins, &site.StrictMasking, &site.CaptureBodies, &site.ConsentEachAgent,
		&retention, &site.TriageBotID, &created, &site.ScreenMapping, &site.AutoVideo); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(origins), &site.AllowedOrigins); err != nil {
		return nil, fmt.Errorf("site %s: allowed origins: %w", site.ID, err)
	}
	if site.AllowedOrigins == nil {
		site.AllowedOrigins = []string{}
	}
	site.RecordingRetention = time.Duration(retention) * time.Millisecond
	site.CreatedAt = fromMillis(created)
	return &site, nil
}
