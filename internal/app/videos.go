package app

import (
	"context"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/video"
	"github.com/tandemhq/tandem/internal/videoexport"
)

// newVideos makes the video export service. A node without a browser or
// ffmpeg still queues and serves exports; it renders none (another node
// does), and says so once.
func (s *Server) newVideos(bs blobs.Store) (*videoexport.Service, error) {
	cfg := videoexport.Config{
		Store: s.db, Blobs: bs, Recordings: videoexport.StoredRecordings{Assists: s.assists, Blobs: bs},
		Node: s.node.ID(), Workers: s.cfg.VideoWorkers, Logger: s.log, Now: s.cfg.Now,
	}
	if s.cfg.VideoWorkers >= 0 {
		r, err := video.New(video.Config{Browser: s.cfg.VideoBrowser, Tabs: s.cfg.VideoTabs, Logger: s.log})
		if err != nil {
			s.log.Warn("this node renders no videos; exports wait for a node that can", "err", err)
		} else {
			cfg.Renderer, s.videoRenderer = r, true
		}
	}
	return videoexport.New(cfg)
}

// assistEnded queues the video export of an assist that ended, when its
// site exports automatically.
func (s *Server) assistEnded(ctx context.Context, a *tandem.Assist) {
	if v := s.videos.Load(); v != nil {
		v.AssistEnded(ctx, a)
	}
}
