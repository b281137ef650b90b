package cluster

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/tandemhq/tandem/internal/netx"
)

type nodeKey struct{}

// Trust returns next behind the check of node signatures. A request that
// another node of the installation signed (Verify) is served with the
// client address that node resolved (netx.ClientAddr sees the person or
// agent, not the forwarding node), and ForwardedBy names its node. Any
// other request is a client's: its node and client address headers are
// dropped, so that nothing after this can take them for a node's word.
// Put it inside netx.Proxies.Handler, which it overrides.
func (a *Auth) Trust(next http.Handler, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(Header) == "" {
			r.Header.Del(ClientAddrHeader)
			next.ServeHTTP(w, r)
			return
		}
		node, err := a.Verify(r)
		if err != nil {
			// A client's forgery, or a node on another key or a clock
			// minutes off: either way served as a client.
			log.Info("node signature refused; served as a client", "client", netx.ClientAddr(r), "path", r.URL.Path, "err", err)
			r.Header.Del(Header)
			r.Header.Del(ClientAddrHeader)
			next.ServeHTTP(w, r)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), nodeKey{}, node))
		if addr := r.Header.Get(ClientAddrHeader); addr != "" {
			vouched, err := netx.WithClientAddr(r, addr)
			if err != nil {
				log.Warn("a node's client address is not an address", "node", node, "err", err)
			}
			r = vouched
		}
		next.ServeHTTP(w, r)
	})
}

// ForwardedBy returns the node that forwarded r, when Trust verified its
// signature; ok is false for a client's own request.
func ForwardedBy(r *http.Request) (node string, ok bool) {
	node, ok = r.Context().Value(nodeKey{}).(string)
	return node, ok
}
