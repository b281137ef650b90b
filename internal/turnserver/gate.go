package turnserver

import (
	"net"
	"sync"
	"time"
)

// teardownWait bounds how long closing a relay waits for pion to finish
// tearing its allocation down.
const teardownWait = 2 * time.Second

// gatedConn is the server's listening socket. pion handles each request on
// the goroutine that read it, between two ReadFrom calls; gatedConn holds
// busy from the moment a request is read until the next read starts, so
// that a relay can be closed while no request is being handled.
//
// Why: pion (v4.1.4) deletes an allocation whose relay socket closes, on
// the relay's own goroutine, and its Allocation.Close reads each
// permission's timer while a CreatePermission being handled may be
// starting one outside the allocation's lock: a data race inside pion.
// Closing a relay under busy, and waiting until pion's teardown closed the
// relay a second time (the last thing Allocation.Close does), keeps
// requests off the allocation until it is gone.
type gatedConn struct {
	net.PacketConn
	busy sync.Mutex
	held bool // whether the read loop holds busy; only the read loop touches it
}

// ReadFrom releases busy while it waits for the next request and takes it
// again once one is read. After an error the read loop ends, and busy
// stays free.
func (c *gatedConn) ReadFrom(p []byte) (int, net.Addr, error) {
	if c.held {
		c.held = false
		c.busy.Unlock()
	}
	n, addr, err := c.PacketConn.ReadFrom(p)
	if err != nil {
		return n, addr, err
	}
	c.busy.Lock()
	c.held = true
	return n, addr, nil
}

// closeRelay closes relay while the server handles no request (gate nil:
// at once) and returns once pion has torn its allocation down, or after
// teardownWait.
func closeRelay(gate *gatedConn, relay *guardedConn) {
	if gate != nil {
		gate.busy.Lock()
		defer gate.busy.Unlock()
	}
	_ = relay.Close()
	select {
	case <-relay.torn:
	case <-time.After(teardownWait):
	}
}
