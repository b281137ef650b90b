package share

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"path"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// serverRequests handles what the server sends on l's terminal channel:
// status events and questions about joiners.
func (s *Session) serverRequests(l *link, reqs <-chan *ssh.Request) {
	for r := range reqs {
		switch r.Type {
		case wire.RequestEvent:
			var e wire.Event
			if json.Unmarshal(r.Payload, &e) == nil {
				if e.Type == wire.EventReconnect {
					l.moved.Store(true)
				}
				s.event(e)
			}
			if r.WantReply {
				r.Reply(true, nil)
			}
		case wire.RequestApprove:
			var e wire.Event
			if err := json.Unmarshal(r.Payload, &e); err != nil {
				r.Reply(false, nil)
				continue
			}
			// Answered on its own goroutine so that status events keep
			// flowing while the person thinks; the server asks about one
			// joiner at a time.
			go func() { r.Reply(s.approve(e), nil) }()
		default:
			if r.WantReply {
				r.Reply(false, nil)
			}
		}
	}
}

func (s *Session) approve(e wire.Event) bool {
	j := Joiner{Name: e.Name, Fingerprint: e.Fingerprint, Via: e.Via, ReadOnly: e.ReadOnly}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	if s.cfg.Approver != nil {
		return s.cfg.Approver(ctx, j)
	}
	what := "join"
	if j.ReadOnly {
		what = "watch"
	}
	q := fmt.Sprintf("Let %s (%s, via %s) %s?", j.Name, j.Fingerprint, j.Via, what)
	return s.prompt.yesNo(ctx, q)
}

// event tells the host about a join or leave.
func (s *Session) event(e wire.Event) {
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(e)
		return
	}
	msg := statusLine(e)
	if msg == "" {
		return
	}
	if e.Helpers < 0 || e.Type == wire.EventReconnect {
		fmt.Fprintf(s.local, "\r\n\x1b[7m tandem \x1b[0m %s\r\n", msg)
		return
	}
	fmt.Fprintf(s.local, "\r\n\x1b[7m tandem \x1b[0m %s — %d connected\r\n", msg, e.Helpers)
}

// serveChannels serves the "direct-tcpip" channels the server opens for
// helpers' forwards. The server checks offers too; checking here again means
// a compromised server still reaches only what this host offered.
func (s *Session) serveChannels(chans <-chan ssh.NewChannel) {
	for nc := range chans {
		if nc.ChannelType() != "direct-tcpip" {
			nc.Reject(ssh.UnknownChannelType, "unsupported channel type")
			continue
		}
		d, err := wire.ParseDirectTCPIP(nc.ExtraData())
		if err != nil {
			nc.Reject(ssh.ConnectionFailed, err.Error())
			continue
		}
		if !s.offers(d) {
			nc.Reject(ssh.Prohibited, "the host does not offer "+d.Address())
			continue
		}
		go s.forward(nc, d)
	}
}

func (s *Session) offers(d *wire.DirectTCPIP) bool {
	if wire.Offers(s.cfg.Forwards, d.Host, int(d.Port)) {
		return true
	}
	if !s.cfg.Proxy {
		return false
	}
	if len(s.cfg.ProxyAllow) == 0 {
		return true
	}
	addr := d.Address()
	for _, pat := range s.cfg.ProxyAllow {
		if ok, _ := path.Match(strings.ToLower(pat), strings.ToLower(addr)); ok {
			return true
		}
		if ok, _ := path.Match(strings.ToLower(pat), strings.ToLower(d.Host)); ok {
			return true
		}
	}
	return false
}

func (s *Session) forward(nc ssh.NewChannel, d *wire.DirectTCPIP) {
	var dialer net.Dialer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dialer.DialContext(ctx, "tcp", d.Address())
	if err != nil {
		nc.Reject(ssh.ConnectionFailed, fmt.Sprintf("the host could not reach %s", d.Address()))
		return
	}
	defer c.Close()
	ch, reqs, err := nc.Accept()
	if err != nil {
		return
	}
	defer ch.Close()
	go ssh.DiscardRequests(reqs)
	done := make(chan struct{})
	go func() {
		io.Copy(c, ch)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		close(done)
	}()
	io.Copy(ch, c)
	ch.CloseWrite()
	<-done
}
