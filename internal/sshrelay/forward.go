package sshrelay

import (
	"fmt"
	"io"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// forward serves a helper's "direct-tcpip" channel (ssh -L or -D) by
// opening the same channel to the host, which dials the target on its side.
// The server itself never dials anything, so no forward reaches the
// server's own network; and it only asks the host for what the host offered.
func (se *session) forward(nc ssh.NewChannel, info helperInfo) {
	d, err := wire.ParseDirectTCPIP(nc.ExtraData())
	if err != nil {
		nc.Reject(ssh.ConnectionFailed, "tandem: "+err.Error())
		return
	}
	target := d.Address()
	if info.ReadOnly {
		nc.Reject(ssh.Prohibited, "tandem: watchers cannot use the host's network")
		return
	}
	if !se.req.Proxy && !wire.Offers(se.req.Forwards, d.Host, int(d.Port)) {
		se.srv.audit.add(se.id, info.Actor, "forward.refused", target)
		nc.Reject(ssh.Prohibited, fmt.Sprintf("tandem: the host does not offer %s", target))
		return
	}
	hc := se.hostConn()
	if hc == nil {
		nc.Reject(ssh.ConnectionFailed, "tandem: the host is reconnecting; try again in a moment")
		return
	}
	hch, hreqs, err := hc.OpenChannel("direct-tcpip", ssh.Marshal(d))
	if err != nil {
		msg := "tandem: the host could not reach " + target
		if oce, ok := err.(*ssh.OpenChannelError); ok {
			msg = "tandem: " + oce.Message
		}
		nc.Reject(ssh.ConnectionFailed, msg)
		return
	}
	go ssh.DiscardRequests(hreqs)
	ch, reqs, err := nc.Accept()
	if err != nil {
		hch.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	se.srv.audit.add(se.id, info.Actor, "forward", target)
	pipe(ch, hch)
}

// pipe copies both ways between two channels until both directions end.
func pipe(a, b ssh.Channel) {
	var wg sync.WaitGroup
	wg.Add(2)
	cp := func(dst, src ssh.Channel) {
		defer wg.Done()
		io.Copy(dst, src)
		dst.CloseWrite()
	}
	go cp(a, b)
	go cp(b, a)
	wg.Wait()
	a.Close()
	b.Close()
}
