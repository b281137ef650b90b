package sshrelay

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// maxPassedChannels bounds the channels one passed helper has open (or
// opening) at once here; the session's node applies the exact limits
// (maxHelperTerminals, maxHelperForwards).
const maxPassedChannels = maxHelperTerminals + maxHelperForwards

// passedLinger bounds how long a helper's connection stays open after
// the session's node hung up, for what it sent last to reach the helper.
const passedLinger = 2 * time.Second

// servePassed relays a helper's connection to the node that runs their
// session (up): every channel the helper opens (terminals, ssh -L/-D) is
// opened there with the same type and data, and everything on it, data,
// stderr and requests with their replies, goes both ways, as do global
// requests. That node serves the helper as its own (serveHelper); this one
// only passes bytes. Either side ending ends the other.
func (s *Server) servePassed(conn *ssh.ServerConn, chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request, up *upstream) {
	if up == nil {
		return // not the key that was asked about: cannot happen
	}
	defer up.conn.Close()
	served := make(chan struct{})
	defer close(served)
	s.mu.Lock()
	s.passed[up] = served
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.passed, up)
		s.mu.Unlock()
	}()
	s.log.Info("helper passed to the session's node", "session", up.perms.Extensions[extSession], "node", up.node,
		"fingerprint", up.fp, "remote", conn.RemoteAddr())
	go relayGlobal(reqs, up.conn)
	go relayGlobal(up.reqs, conn)
	go func() {
		for nc := range up.chans {
			// The session's node opens nothing to a helper.
			nc.Reject(ssh.Prohibited, "tandem: helpers accept no channels")
		}
	}()
	slots := make(chan struct{}, maxPassedChannels)
	upDone := make(chan struct{})
	go func() {
		up.conn.Wait()
		close(upDone)
		// What the node sent before hanging up (a goodbye, an exit status)
		// reaches the helper first: wait for the channels to end, for a
		// moment at most, by taking every slot.
		linger := time.NewTimer(passedLinger)
		defer linger.Stop()
	drain:
		for range cap(slots) {
			select {
			case slots <- struct{}{}:
			case <-linger.C:
				break drain
			}
		}
		conn.Close()
	}()
	var wg sync.WaitGroup
	for nc := range chans {
		select {
		case slots <- struct{}{}:
		default:
			nc.Reject(ssh.ResourceShortage, "too many channels on one connection")
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			relayChannel(nc, up.conn)
		})
	}
	// The helper left: so does their connection to the node, which ends
	// every channel relayed on it.
	up.conn.Close()
	wg.Wait()
	<-upDone
}

// relayGlobal passes global requests, and their replies, to the other side.
func relayGlobal(reqs <-chan *ssh.Request, to ssh.Conn) {
	for r := range reqs {
		ok, payload, err := to.SendRequest(r.Type, r.WantReply, r.Payload)
		if r.WantReply {
			r.Reply(ok && err == nil, payload)
		}
	}
}

// relayChannel opens nc's channel on to and relays between the two until
// both are closed. A refusal there is the refusal here.
func relayChannel(nc ssh.NewChannel, to ssh.Conn) {
	dst, dstReqs, err := to.OpenChannel(nc.ChannelType(), nc.ExtraData())
	if err != nil {
		var oce *ssh.OpenChannelError
		if errors.As(err, &oce) {
			nc.Reject(oce.Reason, oce.Message)
		} else {
			nc.Reject(ssh.ConnectionFailed, "tandem: the session's server went away")
		}
		return
	}
	src, srcReqs, err := nc.Accept()
	if err != nil {
		dst.Close()
		go ssh.DiscardRequests(dstReqs)
		return
	}
	// A terminal that ends without the session's node saying how (no
	// exit status: that node stopped) is told why, as a goodbye would.
	var notice string
	if nc.ChannelType() == "session" {
		notice = passedLostNotice
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		relayHalf(src, dst, srcReqs, "")
	}()
	go func() {
		defer wg.Done()
		relayHalf(dst, src, dstReqs, notice)
	}()
	wg.Wait()
}

// passedLostNotice is what a passed helper's terminal shows when the
// session's node went away without a goodbye.
const passedLostNotice = "\r\n\x1b[0m\r\ntandem: lost the session's server; join again in a few seconds.\r\n"

// maxHeldExits bounds the exit requests held for the end of a channel.
const maxHeldExits = 2

// relayHalf passes what one side of a relayed channel sends (data, stderr,
// requests with their replies, end of data) to the other, until that side
// closes the channel; then closes the other side. An exit status or signal
// goes after the data that preceded it, as the side that sent it meant:
// it is held until that side's data has all been passed. With a notice (a
// terminal's way to the helper), the end of data is held too, and when
// from ends without an exit the notice is written first.
func relayHalf(from, to ssh.Channel, reqs <-chan *ssh.Request, notice string) {
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		var stderr sync.WaitGroup
		stderr.Go(func() { io.Copy(to.Stderr(), from.Stderr()) })
		io.Copy(to, from)
		stderr.Wait()
		if notice == "" {
			// The end of data at once: a forwarded connection may be
			// half closed.
			to.CloseWrite()
		}
	}()
	var exits []*ssh.Request
	for r := range reqs {
		if r.Type == "exit-status" || r.Type == "exit-signal" {
			if len(exits) < maxHeldExits {
				exits = append(exits, r)
			} else if r.WantReply {
				r.Reply(false, nil)
			}
			continue
		}
		ok, err := to.SendRequest(r.Type, r.WantReply, r.Payload)
		if r.WantReply {
			r.Reply(ok && err == nil, nil)
		}
	}
	// The requests end when from is closed, and so does its data.
	<-copied
	if len(exits) == 0 && notice != "" {
		io.WriteString(to, notice)
	}
	for _, r := range exits {
		ok, err := to.SendRequest(r.Type, r.WantReply, r.Payload)
		if r.WantReply {
			r.Reply(ok && err == nil, nil)
		}
	}
	to.CloseWrite()
	to.Close()
}

// dropPassed ends, for Drain, the connections of the helpers this server
// passes to other nodes: each terminal is told to join again (as when the
// other node is lost), and the helper's connection closed, before the
// server stops. Their sessions go on where they run.
func (s *Server) dropPassed(ctx context.Context) {
	s.mu.Lock()
	var served []chan struct{}
	for up, done := range s.passed {
		up.conn.Close()
		served = append(served, done)
	}
	s.mu.Unlock()
	for _, done := range served {
		select {
		case <-done:
		case <-ctx.Done():
			return
		}
	}
}
