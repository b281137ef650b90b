package assist

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/protocol"
	"github.com/tandemhq/tandem/internal/record"
)

// live is the running state of one assist that has not ended. Its fields are
// guarded by mu; the hub has its own lock and is safe to publish to outside mu.
type live struct {
	mu        sync.Mutex
	assist    *tandem.Assist
	site      *tandem.Site
	agentName string // the accepting agent, shown to the person
	prompt    string // the consent text the person was shown

	hub *hub.Hub       // nil until live
	rec *record.Writer // nil until live, or when recording is off
	// durable says which recorded frames are stored; nil with rec.
	durable *durability
	// rate limits what the person sends (nil: no limit); recorded counts
	// the bytes of accepted frames against Config.MaxRecordedBytes.
	rate     *bucket
	recorded atomic.Int64

	person *PersonConn
	agents map[*AgentConn]struct{}
	grace  Timer // running while the person is away
	// agentGrace runs while a live assist has no agent connected.
	agentGrace Timer
	// pingSent is when the last ping went out, to measure round trips.
	pingSent  time.Time
	personRTT time.Duration
	lastPage  pageInfo // the latest meta frame, for the store's page list
	// tabs is the person's latest tabs frame, re-encoded (tabs.go), for
	// agents who join later; nil until the page sends one.
	tabs []byte
	// tabsSent is when a tabs frame last went to the agents; tabsTimer,
	// if set, relays the list held since (tabs.go).
	tabsSent  time.Time
	tabsTimer Timer
	ended     bool
	// wantSnapshot is set on a live assist taken over (its hub has no
	// snapshot): the person's channel asks for one when it connects,
	// until a snapshot arrives.
	wantSnapshot bool

	joins    joins      // who the person let in or kept out (watchers.go)
	call     *call      // the voice/video call, if any
	control  control    // who may act on the page
	repairBy *AgentConn // the agent waiting for a repair answer
	// told is closed when the end has told everyone (or failed): a frame
	// that finds the assist ending waits for it, so that the close the
	// end decides is the one the channel gets.
	told chan struct{}
}

type pageInfo struct {
	PageID string `json:"pageId"`
	URL    string `json:"url"`
	Title  string `json:"title"`
}

// open registers the running state of a new assist.
func (s *Service) open(a *tandem.Assist, site *tandem.Site) *live {
	l := &live{
		assist: a,
		site:   site,
		agents: make(map[*AgentConn]struct{}),
		told:   make(chan struct{}),
	}
	if s.cfg.RateBytes > 0 {
		l.rate = newBucket(s.cfg.RateBytes, s.cfg.BurstBytes, s.cfg.Now())
	}
	// The person's channel gets the grace period to connect, as it gets
	// to come back: a request whose page never connects does not wait
	// in every agent's queue for ever.
	id := a.ID
	l.grace = s.cfg.AfterFunc(s.cfg.Grace, func() {
		s.endLater(id, "system", "the person never connected")
	})
	s.mu.Lock()
	s.lives[a.ID] = l
	s.mu.Unlock()
	return l
}

// startLiveLocked starts recording and subscribes the agents already waiting.
func (s *Service) startLiveLocked(l *live) error {
	return s.startHubLocked(l, 0, record.WriterOptions{New: true})
}

// startHubLocked starts the hub after the frame of sequence number after
// (0 for a new recording) and the recording with wopts, and subscribes the
// agents already waiting. l.mu is held.
func (s *Service) startHubLocked(l *live, after uint64, wopts record.WriterOptions) error {
	opts := hub.Options{
		ReaderQueue:      s.cfg.ReaderQueue,
		MaxRetainedBytes: s.cfg.MaxRetainedBytes,
		OnNeedSnapshot:   func() { l.sendPerson(encodeControl(protocol.KindSnapshot, nil)) },
		After:            after,
	}
	if !s.cfg.DisableRecording {
		// The frames up to after are in the stored recording already.
		l.durable = &durability{stored: after}
		if l.person != nil {
			l.durable.setWake(l.person.scheduleAck)
		}
		wopts.Gate, wopts.Spool, wopts.OnStored, wopts.FlushInterval = s.storing, s.cfg.Spool, l.durable.durableTo, s.gather
		l.rec = record.NewWriter(s.blobs, l.assist.ID, wopts)
		opts.Sink = l.rec
	}
	l.hub = hub.New(opts)
	for a := range l.agents {
		if err := a.subscribeLocked(0); err != nil {
			return err
		}
	}
	return nil
}

// end ends an assist once: recording made durable first, then the store, then
// everyone told. It is safe to call from several places at once.
//
// The live assist stays findable until its end is stored and everyone told:
// a channel that connects meanwhile is refused as ended (with the reason
// once it is stored), and a second caller waits for the first and gets the
// ended assist, never one whose end is still being written.
func (s *Service) end(ctx context.Context, actor, id, reason string, code int) (*tandem.Assist, error) {
	s.mu.Lock()
	l := s.lives[id]
	s.mu.Unlock()
	if l == nil {
		a, err := s.store.AssistByID(ctx, id)
		if err != nil {
			return nil, err
		}
		return a, nil // ended already
	}
	// stored says whether this call stored the end: then the lease is
	// given up, once the assist is unlocked (storage I/O never holds its
	// lock). An end that failed to be stored keeps the lease until it
	// lapses, so that a sweep ends the assist.
	stored, mine := false, false
	defer func() {
		s.mu.Lock()
		if s.lives[id] == l {
			delete(s.lives, id)
		}
		s.mu.Unlock()
		if stored {
			s.releaseLease(id)
		} else if mine && s.cfg.Node != nil {
			s.cfg.Node.Forget(id)
		}
	}()
	l.mu.Lock()
	if l.ended {
		// Another caller is ending it: its end is what this one returns,
		// once it is stored and everyone told.
		told := l.told
		l.mu.Unlock()
		select {
		case <-told:
		case <-ctx.Done():
			return nil, fmt.Errorf("end assist: %w", ctx.Err())
		}
		l.mu.Lock()
		a := *l.assist
		l.mu.Unlock()
		return &a, nil
	}
	defer l.mu.Unlock()
	defer close(l.told) // runs first, l.mu still held
	l.ended, mine = true, true
	if l.grace != nil {
		l.grace.Stop()
	}
	if l.agentGrace != nil {
		l.agentGrace.Stop()
	}
	if l.tabsTimer != nil {
		l.tabsTimer.Stop()
	}
	if l.hub != nil {
		l.hub.Close(tandem.Errorf(tandem.EConflict, "the assist has ended"))
	}
	if l.call != nil && s.cfg.ICE != nil {
		s.cfg.ICE.EndCall(l.call.id)
	}
	wasLive := l.assist.State == tandem.AssistLive
	var recErr error
	if l.rec != nil {
		// The record must be durable before anyone hears that the assist
		// ended. Storing it waits on blob storage, which must never hold
		// the assist's lock (everything that touches the assist would
		// wait with it, pings of every assist included): it is done
		// unlocked. Nothing can change the assist meanwhile: it is live
		// (a recording is made only then), and ended is set, so channels
		// and requests leave it alone (a frame waits for told), and this
		// is its only end.
		l.mu.Unlock()
		recErr = s.closeRecording(ctx, id, l.rec)
		l.mu.Lock()
	}
	if s.cfg.Node != nil {
		// Only the owner ends an assist. Another node may have taken it
		// over while this one's heartbeat was late (a long pause): then
		// the end is that node's to decide, and the clients here go to it.
		if err := s.cfg.Node.Confirm(ctx, id); tandem.ErrorCode(err) == tandem.EConflict {
			l.moveAwayLocked()
			return nil, fmt.Errorf("end assist: %w", err)
		}
	}
	next := *l.assist
	next.State, next.EndedAt, next.EndReason = tandem.AssistEnded, s.cfg.Now(), reason
	if err := s.recordEnd(ctx, actor, &next, l.assist.State); err != nil {
		return nil, fmt.Errorf("end assist: %w", err)
	}
	l.assist = &next
	stored = true
	ended := encodeControl(protocol.KindEnded, map[string]string{"reason": reason})
	if l.person != nil {
		l.person.finish(ended, code, reason)
		l.person = nil
	}
	for a := range l.agents {
		a.finish(ended, code, reason)
	}
	l.agents = map[*AgentConn]struct{}{}
	l.endHeldLocked(ended, code, reason)
	s.audit(ctx, id, actor, "end", reason)
	if wasLive {
		s.observe(Observer.AssistEnded)
	}
	s.notifyQueue()
	return &next, recErr
}

// recordingCloseTimeout bounds how long an end waits for the rest of the
// recording to be stored: with a Spool, a failing store takes a chunk's
// PutTimeout, then the spool takes it.
const recordingCloseTimeout = 30 * time.Second

// closeRecording stores the rest of an ending assist's recording. It is not
// cut short when the request that ended the assist goes away (the agent
// closed the tab): what was recorded must not be lost for that.
func (s *Service) closeRecording(ctx context.Context, id string, rec *record.Writer) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordingCloseTimeout)
	defer cancel()
	err := rec.Close(ctx)
	if err != nil {
		s.log.Error("recording close failed", "assist", id, "err", err)
	}
	return err
}

// endLater ends an assist from a timer or a goroutine with no caller to tell.
func (s *Service) endLater(id, actor, reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.end(ctx, actor, id, reason, closeEnded); err != nil {
		s.log.Error("end assist failed", "assist", id, "err", err)
	}
}

// sendPerson queues a control frame for the person, if connected.
func (l *live) sendPerson(frame []byte) {
	l.mu.Lock()
	l.toPersonLocked(frame)
	l.mu.Unlock()
}

func (l *live) toPersonLocked(frame []byte) {
	if l.person != nil {
		l.person.send(frame)
	}
}

func (l *live) toAgentsLocked(frame []byte) {
	for a := range l.agents {
		a.send(frame)
	}
}

// presenceLocked tells agents who is here.
func (l *live) presenceLocked() {
	type agentInfo struct {
		ID   string `json:"id"`   // the user's id
		Conn string `json:"conn"` // the channel's id, to address it
		Name string `json:"name"`
	}
	p := struct {
		Person string      `json:"person"`
		Agents []agentInfo `json:"agents"`
	}{Person: "away", Agents: []agentInfo{}}
	if l.person != nil {
		p.Person = "connected"
	}
	for a := range l.agents {
		p.Agents = append(p.Agents, agentInfo{ID: a.user.ID, Conn: a.id, Name: a.user.Name})
	}
	sort.Slice(p.Agents, func(i, j int) bool { return p.Agents[i].Conn < p.Agents[j].Conn })
	l.toAgentsLocked(encodeControl(protocol.KindPresence, p))
	l.watchersLocked()
}

// Control frames -----------------------------------------------------------

type agentRef struct {
	Name string `json:"name"`
}

type promptPayload struct {
	Agent agentRef `json:"agent"`
	Text  string   `json:"text"`
}

// encodeControl builds a control frame: header {"k":kind} and a JSON payload.
func encodeControl(kind string, payload any) []byte {
	return encodeWith(hub.Header{Kind: kind}, payload)
}

// encodeWith builds a frame from a header and a JSON payload (nil for none).
func encodeWith(h hub.Header, payload any) []byte {
	var body []byte
	if payload != nil {
		var err error
		if body, err = json.Marshal(payload); err != nil {
			panic(fmt.Sprintf("encode %s frame: %v", h.Kind, err)) // payloads are our own types
		}
	}
	return hub.EncodeFrame(h, body)
}

func headerFor(kind string) hub.Header { return hub.Header{Kind: kind} }

func stateFrame(state tandem.AssistState, reason string) []byte {
	return encodeControl(protocol.KindState, map[string]string{"state": string(state), "reason": reason})
}

// Queue ---------------------------------------------------------------------

// SubscribeQueue returns a channel that receives a signal whenever the set of
// open assists changes (here, or on another node of Config.Bus), and a
// function to stop. Signals coalesce: one waits while the reader lists.
func (s *Service) SubscribeQueue() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	ch <- struct{}{} // the first list goes out at once
	s.mu.Lock()
	s.queue[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.queue, ch)
		s.mu.Unlock()
	}
}

// notifyQueue tells the queue watchers here, and the other nodes, that the
// set of open assists changed.
func (s *Service) notifyQueue() {
	s.signalQueue()
	s.announceQueue()
}

// signalQueue tells the queue watchers here to list the queue again.
func (s *Service) signalQueue() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.queue {
		select {
		case ch <- struct{}{}:
		default: // a signal is pending already; the reader will list once
		}
	}
}

// Pings ---------------------------------------------------------------------

func (s *Service) pingLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		lives := make([]*live, 0, len(s.lives))
		for _, l := range s.lives {
			lives = append(lives, l)
		}
		s.mu.Unlock()
		// Spread the sweep over half the interval rather than sending to
		// every channel at once: a burst of thousands of frames would hold
		// up the frames people and agents are waiting for.
		step := s.cfg.PingInterval / 2 / time.Duration(len(lives)+1)
		for i, l := range lives {
			if i > 0 && step > 0 && i%16 == 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(16 * step):
				}
			}
			now := s.cfg.Now()
			ping := hub.EncodeFrame(hub.Header{Kind: protocol.KindPing, T: now.UnixMilli()}, nil)
			l.mu.Lock()
			l.pingSent = now
			l.toPersonLocked(ping)
			for a := range l.agents {
				a.send(ping)
				a.sendHealth(l.personRTT)
			}
			l.mu.Unlock()
		}
	}
}
