package loadgen

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
)

// publisher is one publishing connection. Its PUBLISH is encoded once; each
// message is that template with its packet identifier, sequence number and
// timestamp patched in.
type publisher struct {
	c      *client
	idx    int
	qos    mqtt.QoS
	tmpl   []byte
	idOff  int // offset of the packet identifier in tmpl (QoS 1)
	payOff int // offset of the payload in tmpl

	sent  atomic.Int64 // written; owned by write, read by others
	acked atomic.Int64 // PUBACKs received
	wake  chan struct{}
	// QoS 1: the writer waits until at least minFree of window are free.
	window, minFree int
	seq             uint64
	id              uint16
}

func newPublisher(c *client, idx int, cfg PublishConfig) *publisher {
	p := mqtt.Publish{QoS: cfg.QoS, Topic: cfg.Topic + "/" + strconv.Itoa(idx), Payload: make([]byte, cfg.Payload)}
	if cfg.QoS > 0 {
		p.PacketID = 1
	}
	tmpl, err := p.AppendTo(nil, mqtt.V311)
	if err != nil {
		panic(fmt.Sprintf("loadgen: encode PUBLISH: %v", err)) // the config was checked
	}
	pub := &publisher{c: c, idx: idx, qos: cfg.QoS, tmpl: tmpl, payOff: len(tmpl) - cfg.Payload,
		wake: make(chan struct{}, 1)}
	pub.idOff = pub.payOff - 2
	c.out = make([]byte, 0, len(tmpl)*cfg.Batch)
	// Flat out, wait for a quarter of the window (or a batch) to open
	// before writing: a broker that acknowledges one PUBLISH at a time would
	// otherwise cost the generator a write and a wake-up per message.
	pub.window, pub.minFree = cfg.Window, 1
	if cfg.Rate == 0 {
		pub.minFree = max(1, min(cfg.Batch, cfg.Window/4))
	}
	return pub
}

// wakeUp unblocks a writer waiting for PUBACKs.
func (p *publisher) wakeUp() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// write publishes until the run stops: as fast as the window and the
// connection allow, or at the configured rate.
func (p *publisher) write(r *run, start time.Time) {
	cfg := r.cfg
	rate := cfg.Rate / float64(cfg.Publishers)
	// Spread the publishers over one message interval, so a fixed total
	// rate arrives evenly rather than in bursts of one per publisher.
	var phase time.Duration
	if rate > 0 {
		phase = time.Duration(float64(p.idx) / cfg.Rate * float64(time.Second))
	}
	for !r.stop.Load() {
		n := cfg.Batch
		if p.qos > 0 {
			free := p.window - int(p.sent.Load()-p.acked.Load())
			if free < p.minFree {
				<-p.wake
				continue
			}
			n = min(n, free)
		}
		if rate > 0 {
			due := due(time.Since(start.Add(phase)), rate)
			if due <= p.sent.Load() {
				next := start.Add(phase + time.Duration(float64(p.sent.Load())/rate*float64(time.Second)))
				time.Sleep(time.Until(next))
				continue
			}
			n = min(n, int(due-p.sent.Load()))
		}
		if err := p.send(r, n); err != nil {
			r.fail(fmt.Errorf("publisher %d: %w", p.idx, err))
			return
		}
	}
}

// due is how many messages a publisher at rate msgs/s should have sent
// elapsed after its first was due: none before (elapsed < 0), one at once,
// then one more every 1/rate s. (Truncating a negative product toward zero
// would make the first message due a whole interval early, and every
// publisher would send its first at once, whatever its phase.)
func due(elapsed time.Duration, rate float64) int64 {
	if elapsed < 0 {
		return 0
	}
	return int64(elapsed.Seconds()*rate) + 1
}

// send writes n messages in one write.
func (p *publisher) send(r *run, n int) error {
	out := p.c.out[:0]
	now := uint64(time.Since(r.base))
	for range n {
		out = append(out, p.tmpl...)
		m := out[len(out)-len(p.tmpl):]
		if p.qos > 0 {
			if p.id++; p.id == 0 {
				p.id = 1
			}
			binary.BigEndian.PutUint16(m[p.idOff:], p.id)
		}
		p.seq++
		pl := m[p.payOff:]
		binary.BigEndian.PutUint64(pl, p.seq)
		binary.BigEndian.PutUint64(pl[8:], now)
		binary.BigEndian.PutUint32(pl[16:], uint32(p.idx))
	}
	p.c.out = out
	if _, err := p.c.tc.Write(out); err != nil {
		return err
	}
	p.sent.Add(int64(n))
	r.n.sent.Add(int64(n))
	return nil
}

// read counts PUBACKs and wakes the writer when the window opens.
func (p *publisher) read(r *run) {
	var n int64
	for {
		h, body, err := mqtt.ReadFrame(p.c.br, 1<<16)
		if err != nil {
			r.fail(fmt.Errorf("publisher %d: %w", p.idx, err))
			p.wakeUp()
			return
		}
		if h.Type == mqtt.TypePuback && len(body) >= 2 {
			n++
		}
		if n > 0 && (p.c.br.Buffered() == 0 || n >= 64) {
			acked := p.acked.Add(n)
			r.n.acked.Add(n)
			n = 0
			if p.window-int(p.sent.Load()-acked) >= p.minFree {
				p.wakeUp()
			}
		}
	}
}

// subscriber is the one wildcard subscriber: it counts deliveries,
// acknowledges QoS 1 ones in batches, and records latency.
type subscriber struct {
	r      *run
	c      *client
	last   []uint64 // last sequence number seen per publisher
	lat    []int64  // nanoseconds, when the run keeps latencies
	sentAt []int64  // send times (ns since the run's base) of lat, for a trace
	acks   []byte
}

func (s *subscriber) read() {
	r := s.r
	br := s.c.br
	var n int64
	for {
		if n > 0 && (br.Buffered() == 0 || n >= 256) {
			r.n.delivered.Add(n)
			n = 0
		}
		if len(s.acks) > 0 && (br.Buffered() == 0 || len(s.acks) >= 8192) {
			if _, err := s.c.tc.Write(s.acks); err != nil {
				r.fail(fmt.Errorf("subscriber: %w", err))
				return
			}
			s.acks = s.acks[:0]
		}
		h, body, err := mqtt.ReadFrame(br, 1<<20)
		if err != nil {
			r.fail(fmt.Errorf("subscriber: %w", err))
			return
		}
		if h.Type != mqtt.TypePublish {
			continue
		}
		payload, ok := s.publish(h, body)
		if !ok {
			r.fail(fmt.Errorf("subscriber: malformed PUBLISH"))
			return
		}
		n++
		s.account(payload)
	}
}

// publish reads the packet identifier (acknowledging it) and payload of a
// 3.1.1 PUBLISH body without allocating (§3.3.2: topic, then the packet
// identifier at QoS 1 and 2).
func (s *subscriber) publish(h mqtt.Header, body []byte) ([]byte, bool) {
	if len(body) < 2 {
		return nil, false
	}
	rest := body[2:]
	tl := int(binary.BigEndian.Uint16(body))
	if len(rest) < tl {
		return nil, false
	}
	rest = rest[tl:]
	if h.Flags>>1&3 > 0 {
		if len(rest) < 2 {
			return nil, false
		}
		s.acks = append(s.acks, byte(mqtt.TypePuback)<<4, 2, rest[0], rest[1])
		rest = rest[2:]
	}
	return rest, true
}

// account checks the sequence number and records the latency.
func (s *subscriber) account(payload []byte) {
	if len(payload) < PayloadMin {
		return
	}
	seq := binary.BigEndian.Uint64(payload)
	sentAt := int64(binary.BigEndian.Uint64(payload[8:]))
	idx := int(binary.BigEndian.Uint32(payload[16:]))
	if idx < len(s.last) {
		if seq <= s.last[idx] {
			s.r.n.dups.Add(1)
		} else {
			s.last[idx] = seq
		}
	}
	if s.lat != nil {
		s.lat = append(s.lat, int64(time.Since(s.r.base))-sentAt)
		if s.sentAt != nil {
			s.sentAt = append(s.sentAt, sentAt)
		}
	}
}

// writeTrace writes "send_ms latency_ms" per delivery, in arrival order.
func (s *subscriber) writeTrace(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# send_ms latency_ms")
	for i, at := range s.sentAt {
		fmt.Fprintf(bw, "%.3f %.3f\n", float64(at)/1e6, float64(s.lat[i])/1e6)
	}
	return bw.Flush()
}

// fillLatency sets the percentiles (nearest rank) from samples in ns.
func fillLatency(res *Result, ns []int64) {
	res.Samples = len(ns)
	if len(ns) == 0 {
		return
	}
	slices.Sort(ns)
	q := func(p float64) float64 {
		i := int(p*float64(len(ns))+0.999999) - 1
		return round(float64(ns[min(max(i, 0), len(ns)-1)])/1e6, 3)
	}
	res.P50, res.P90, res.P99, res.Max = q(0.50), q(0.90), q(0.99), q(1)
}
