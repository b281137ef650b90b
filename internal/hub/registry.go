package hub

import "sync"

// Registry finds the hub of a session by its id (an assist or terminal
// session id). The zero Registry is empty and ready to use; it is safe for
// concurrent use.
type Registry struct {
	mu   sync.Mutex
	hubs map[string]*Hub
}

// Get returns the hub of id, or nil.
func (r *Registry) Get(id string) *Hub {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hubs[id]
}

// GetOrCreate returns the hub of id, creating it with opts if there is none;
// created says which happened (opts are unused when the hub exists).
func (r *Registry) GetOrCreate(id string, opts Options) (h *Hub, created bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h := r.hubs[id]; h != nil {
		return h, false
	}
	if r.hubs == nil {
		r.hubs = make(map[string]*Hub)
	}
	h = New(opts)
	r.hubs[id] = h
	return h, true
}

// Remove takes the hub of id out of the registry and returns it (nil if
// there was none). It does not close the hub: the caller decides with what
// reason.
func (r *Registry) Remove(id string) *Hub {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.hubs[id]
	delete(r.hubs, id)
	return h
}

// Len returns how many hubs the registry holds.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.hubs)
}
