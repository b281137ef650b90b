// Package videoexport runs video exports as durable jobs: a request for an
// ended assist or terminal session is stored queued (store.VideoExports), a
// pool of workers claims jobs, renders each with internal/video to a
// temporary file and writes the MP4 to the blob store under
// videos/RECORDING/JOB.mp4, so that the recording's retention deletes it
// (internal/retention). A job a node was running when it stopped is taken
// again: by the node itself on a clean stop, by any node once its claim
// lapses after a crash.
package videoexport

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/video"
)

// Defaults of Config.
const (
	DefaultWorkers     = 1
	DefaultClaimTTL    = 30 * time.Second
	DefaultPoll        = 5 * time.Second
	DefaultBackoff     = 10 * time.Second
	MaxAttempts        = 3
	progressInterval   = time.Second
	maxRenderedOptions = 1024
)

// Store is what the service keeps and reads in the store.
type Store interface {
	store.VideoExports
	SiteByID(ctx context.Context, id string) (*tandem.Site, error)
	AssistByID(ctx context.Context, id string) (*tandem.Assist, error)
	TerminalByID(ctx context.Context, id string) (*store.Terminal, error)
	AppendAudit(ctx context.Context, e *tandem.AuditEntry) error
}

// Renderer draws recordings to MP4 (*video.Renderer).
type Renderer interface {
	RenderAssist(ctx context.Context, rec video.Recording, o video.Options, w io.Writer, p video.Progress) (*video.Result, error)
	RenderTerminal(ctx context.Context, rec video.Recording, o video.Options, w io.Writer, p video.Progress) (*video.Result, error)
}

// Recordings opens the recording a job renders, in the form the renderer
// reads (video.Recording): StoredRecordings in a server.
type Recordings interface {
	Open(ctx context.Context, v *store.VideoExport) (io.ReadCloser, error)
}

// Config configures a Service. Zero values get the defaults.
type Config struct {
	Store      Store
	Blobs      blobs.Store
	Recordings Recordings
	Renderer   Renderer
	// Node names this run of the process in its claims.
	Node string
	// Workers is how many exports run at once on this node (1).
	Workers int
	// ClaimTTL is how long a claim lasts without renewal (30 s): a job a
	// crashed node held is taken again after it.
	ClaimTTL time.Duration
	// Poll is how often an idle worker looks for jobs other nodes queued
	// (5 s); jobs queued here wake it at once.
	Poll time.Duration
	// Backoff is the wait before the second attempt of a failed job,
	// doubled before the third (10 s).
	Backoff time.Duration
	// TempDir holds the videos being rendered ("" for os.TempDir).
	TempDir string
	// Finished, if set, is told each attempt's end on this node: the job
	// and the state it was left in (done, failed, queued, or cancelled
	// when its worker learnt it was cancelled or taken over).
	Finished func(id string, state store.VideoState)
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service requests, runs, serves and deletes exports. Create it with New.
type Service struct {
	cfg  Config
	wake chan struct{}
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Blobs == nil || cfg.Recordings == nil {
		return nil, fmt.Errorf("videoexport: a store, a blob store and the recordings are needed")
	}
	if cfg.Node == "" {
		return nil, fmt.Errorf("videoexport: a node id is needed")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.ClaimTTL <= 0 {
		cfg.ClaimTTL = DefaultClaimTTL
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, wake: make(chan struct{}, 1)}, nil
}

// Options are what a request may choose, as the API takes them. Width and
// Height 0 keep the person's resolution.
type Options struct {
	Width    int  `json:"width"`
	Height   int  `json:"height"`
	FPS      int  `json:"fps"`
	Clicks   bool `json:"clicks"`
	Pointer  bool `json:"pointer"`
	Devtools bool `json:"devtools"`
	SkipIdle bool `json:"skipIdle"`
}

func (o Options) video() video.Options {
	return video.Options{Width: o.Width, Height: o.Height, FPS: o.FPS, Clicks: o.Clicks, Pointer: o.Pointer, Devtools: o.Devtools, SkipIdle: o.SkipIdle}
}

// Check reports what is wrong with o as a tandem.EInvalid, or nil.
func (o Options) Check() error {
	if err := o.video().Check(); err != nil {
		return tandem.Errorf(tandem.EInvalid, "%s", err.Error())
	}
	return nil
}

// Request asks for an export.
type Request struct {
	Kind      store.VideoKind
	SubjectID string
	Options   Options
	// Actor is who asked: "agent:<id>" (audited), or "system" for an
	// automatic export.
	Actor string
}

// Request validates r and queues its export: EInvalid for bad options,
// ENotFound for a missing assist, terminal session or site, EConflict for
// one that has not ended.
func (s *Service) Request(ctx context.Context, r Request) (*store.VideoExport, error) {
	if err := r.Options.Check(); err != nil {
		return nil, err
	}
	v := &store.VideoExport{Kind: r.Kind, SubjectID: r.SubjectID, RequestedBy: r.Actor, CreatedAt: s.cfg.Now().UTC().Truncate(time.Millisecond)}
	switch r.Kind {
	case store.VideoAssist:
		a, err := s.cfg.Store.AssistByID(ctx, r.SubjectID)
		if err != nil {
			return nil, err
		}
		if a.State != tandem.AssistEnded {
			return nil, tandem.Errorf(tandem.EConflict, "the assist is still %s: only an ended assist can be exported", a.State)
		}
		if !a.RecordingDeletedAt.IsZero() {
			return nil, tandem.Errorf(tandem.ENotFound, "the assist's recording was deleted")
		}
		if _, err := s.cfg.Store.SiteByID(ctx, a.SiteID); err != nil {
			return nil, err
		}
		v.SiteID, v.RecordingID = a.SiteID, a.ID
	case store.VideoTerminal:
		t, err := s.cfg.Store.TerminalByID(ctx, r.SubjectID)
		if err != nil {
			return nil, err
		}
		if t.EndedAt.IsZero() {
			return nil, tandem.Errorf(tandem.EConflict, "the terminal session is still live: only an ended one can be exported")
		}
		if t.RecordingID == "" {
			return nil, tandem.Errorf(tandem.ENotFound, "the terminal session was not recorded")
		}
		v.RecordingID = t.RecordingID
	default:
		return nil, tandem.Errorf(tandem.EInvalid, "video kind %q is not assist or terminal", r.Kind)
	}
	opts, err := json.Marshal(r.Options)
	if err != nil {
		return nil, fmt.Errorf("encoding video options: %w", err)
	}
	v.Options = opts
	if err := s.cfg.Store.CreateVideoExport(ctx, v); err != nil {
		return nil, err
	}
	s.audit(ctx, v.SubjectID, r.Actor, "video.requested", map[string]any{"video": v.ID, "options": r.Options})
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return v, nil
}

// AutoOptions are the options of automatic exports: the person's
// resolution, with their clicks and pointer.
var AutoOptions = Options{Clicks: true, Pointer: true}

// AssistEnded queues the export of an assist that just ended when its
// site exports automatically (tandem site set KEY --auto-video on). An
// assist that never went live recorded nothing and is not exported.
// Failures are logged: the assist's end does not wait on them.
func (s *Service) AssistEnded(ctx context.Context, a *tandem.Assist) {
	if a.StartedAt.IsZero() {
		return
	}
	site, err := s.cfg.Store.SiteByID(ctx, a.SiteID)
	if err != nil {
		s.cfg.Logger.Error("automatic video export: reading the site failed", "assist", a.ID, "err", err)
		return
	}
	if !site.AutoVideo {
		return
	}
	if _, err := s.Request(ctx, Request{Kind: store.VideoAssist, SubjectID: a.ID, Options: AutoOptions, Actor: "system"}); err != nil {
		s.cfg.Logger.Error("automatic video export failed", "assist", a.ID, "err", err)
	}
}

// Job returns an export job.
func (s *Service) Job(ctx context.Context, id string) (*store.VideoExport, error) {
	return s.cfg.Store.VideoExportByID(ctx, id)
}

// Jobs returns the exports of an assist or terminal session, newest first.
func (s *Service) Jobs(ctx context.Context, subjectID string) ([]*store.VideoExport, error) {
	return s.cfg.Store.ListVideoExports(ctx, subjectID)
}

// Open opens a done export's video, auditing the download by actor; an
// empty actor is not audited (a player's further range requests of a
// video already opened). The caller closes the reader.
func (s *Service) Open(ctx context.Context, id, actor string) (*store.VideoExport, io.ReadCloser, error) {
	v, err := s.cfg.Store.VideoExportByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if v.State != store.VideoDone {
		return nil, nil, tandem.Errorf(tandem.EConflict, "video export %s is %s: it has no video yet", id, v.State)
	}
	rc, err := s.cfg.Blobs.Get(ctx, v.BlobKey)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the video of export %s: %w", id, err)
	}
	if actor != "" {
		s.audit(ctx, v.SubjectID, actor, "video.downloaded", map[string]any{"video": v.ID})
	}
	return v, rc, nil
}

// Remove cancels an unfinished export (its worker stops at its next
// progress report) or deletes a finished one with its video. It returns
// the job as it was left (cancelled) or before it was deleted, and
// whether it was deleted.
func (s *Service) Remove(ctx context.Context, id, actor string) (*store.VideoExport, bool, error) {
	v, err := s.cfg.Store.VideoExportByID(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if !v.State.Final() {
		c, err := s.cfg.Store.CancelVideoExport(ctx, id, s.cfg.Now())
		if tandem.ErrorCode(err) != tandem.EConflict {
			if err != nil {
				return nil, false, err
			}
			s.audit(ctx, v.SubjectID, actor, "video.cancelled", map[string]any{"video": v.ID})
			return c, false, nil
		}
		// It finished meanwhile: delete it.
		if v, err = s.cfg.Store.VideoExportByID(ctx, id); err != nil {
			return nil, false, err
		}
	}
	if v.BlobKey != "" {
		if err := s.cfg.Blobs.Delete(ctx, v.BlobKey); err != nil {
			return nil, false, fmt.Errorf("deleting the video of export %s: %w", id, err)
		}
	}
	if err := s.cfg.Store.DeleteVideoExport(ctx, id); err != nil {
		return nil, false, err
	}
	s.audit(ctx, v.SubjectID, actor, "video.deleted", map[string]any{"video": v.ID})
	return v, true, nil
}

// audit records an export's event in its subject's log; a failure is
// logged, not returned: the export itself happened.
func (s *Service) audit(ctx context.Context, subject, actor, action string, detail map[string]any) {
	b, _ := json.Marshal(detail)
	e := &tandem.AuditEntry{SessionID: subject, Actor: actor, Action: action, Detail: string(b), At: s.cfg.Now()}
	if err := s.cfg.Store.AppendAudit(ctx, e); err != nil {
		s.cfg.Logger.Error("video export audit failed", "action", action, "session", subject, "err", err)
	}
}

// BlobKey is where the video of job id, of recording rec, is kept.
func BlobKey(rec, id string) string { return store.VideoBlobKey(rec, id) }

// BlobPrefix is the prefix of every video of recording rec.
func BlobPrefix(rec string) string { return store.VideoBlobPrefix(rec) }
