package app

import (
	"cmp"
	"context"
	"fmt"

	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/cluster"
	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
)

// startSSH starts terminal assistance unless cfg.SSHAddr is "" or "off".
// Either way, terminal sessions a previous run left live are ended first,
// except those another node serves or whose host may still resume them
// (their lease lapsed less than the grace ago).
// Terminal recordings share the assists' spool (see record.Spool). With
// nodeAuth, a helper who reaches this node for a session another node runs
// is passed to that node (all nodes share secrets.HostKey).
func startSSH(ctx context.Context, cfg Config, secrets *Secrets, db store.Store, bs blobs.Store, spool *record.Spool, obs sshrelay.Observer, node *lease.Node, nodeAuth *cluster.Auth) (*sshrelay.Server, error) {
	if err := sshrelay.EndAbandoned(ctx, db, node, cmp.Or(cfg.HostGrace, cfg.Grace)); err != nil {
		return nil, fmt.Errorf("terminal assistance: %w", err)
	}
	if off(cfg.SSHAddr) {
		return nil, nil
	}
	srv, err := sshrelay.New(sshrelay.Config{
		Addr:             cfg.SSHAddr,
		HostKey:          secrets.HostKey,
		WebURL:           cfg.PublicURL,
		Store:            db,
		Blobs:            bs,
		Spool:            spool,
		LivenessInterval: cfg.LivenessInterval,
		Observer:         obs,
		Logger:           cfg.Logger,
		Node:             node,
		HostGrace:        cmp.Or(cfg.HostGrace, cfg.Grace),
		NodeAuth:         nodeAuth,
	})
	if err != nil {
		return nil, fmt.Errorf("terminal assistance: %w", err)
	}
	if err := srv.Listen(); err != nil {
		if le := listenFailure("ssh-addr", cfg.SSHAddr, err); le != nil {
			return nil, le
		}
		return nil, fmt.Errorf("terminal assistance: %w", err)
	}
	go func() {
		if err := srv.Serve(context.WithoutCancel(ctx)); err != nil {
			cfg.Logger.Error("ssh relay stopped", "err", err)
		}
	}()
	return srv, nil
}
