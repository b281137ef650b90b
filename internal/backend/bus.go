package backend

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/bus/local"
	"github.com/tandemhq/tandem/internal/bus/natsbus"
)

// Bus kinds, as users write them: BusLocal is a word, not a URL.
const (
	BusLocal   = "local"
	SchemeNATS = "nats"
	SchemeTLS  = "tls" // NATS over TLS
)

// OpenBus opens the bus that rawURL names:
//
//   - local: the in-process bus of a single node (the default).
//   - nats://[user:password@|token@]host:port (or tls:// for TLS): a NATS
//     server that every node of the installation reaches. It must answer
//     now; later the connection comes back by itself.
//
// log receives the NATS connection's losses and recoveries. The caller
// closes the bus.
func OpenBus(ctx context.Context, rawURL string, log *slog.Logger) (bus.Bus, error) {
	if err := CheckBus(rawURL); err != nil {
		return nil, err
	}
	if rawURL == BusLocal {
		return local.New(), nil
	}
	b, err := natsbus.Open(ctx, rawURL, natsbus.WithLogger(log))
	if err != nil {
		return nil, newError(rawURL, remoteFailure(err), err)
	}
	return b, nil
}

// CheckBus reports what is wrong with rawURL as a bus's URL without
// connecting.
func CheckBus(rawURL string) error {
	if rawURL == BusLocal {
		return nil
	}
	scheme, err := schemeOf(rawURL, "bus", "local or nats://host:4222")
	if err != nil {
		return err
	}
	if scheme != SchemeNATS && scheme != SchemeTLS {
		return newError(rawURL, fmt.Sprintf("unknown kind of bus %q (want local or nats://)", scheme), nil)
	}
	return nil
}
