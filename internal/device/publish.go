package device

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sensor reads a temperature in °C. A Sensor is used by one publisher at
// a time.
type Sensor func() float64

// RandomWalk simulates a room thermometer: it starts between 18 and 24 °C
// and drifts by at most 0.5 °C a reading, within 10–35 °C.
func RandomWalk() Sensor {
	t := 18 + 6*rand.Float64()
	return func() float64 {
		t = min(35, max(10, t+(rand.Float64()-0.5)))
		return math.Round(t*10) / 10
	}
}

// FileSensor replays readings from a file, one number a line (blank lines
// and lines starting with # are skipped), from the start again after the
// last.
func FileSensor(path string) (Sensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("readings: %w", err)
	}
	defer f.Close()
	var vals []float64
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.ParseFloat(line, 64)
		if err != nil {
			return nil, fmt.Errorf("readings %s line %d: %w", path, n, err)
		}
		vals = append(vals, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("readings %s: %w", path, err)
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("readings %s: no numbers in it", path)
	}
	i := 0
	return func() float64 {
		v := vals[i%len(vals)]
		i++
		return v
	}, nil
}

// Reading is the payload a device publishes, as seed 000's scripts do.
type Reading struct {
	ThingName   string  `json:"thingName"`
	Temperature float64 `json:"temperature"`
	Timestamp   int64   `json:"timestamp"` // Unix seconds
}

// Backoff spaces reconnect attempts: the delay doubles from Min up to Max,
// and each is drawn between half of it and all of it, so that a fleet cut
// off by a broker restart does not come back in one wave.
type Backoff struct {
	Min, Max time.Duration
}

// DefaultBackoff is the reconnect backoff of Publish.
var DefaultBackoff = Backoff{Min: time.Second, Max: 2 * time.Minute}

// Delay is the wait before retry n (0 is the first retry).
func (b Backoff) Delay(n int) time.Duration {
	d := b.Min
	for i := 0; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// maxRefusedPublishes is how many publishes in a row may lose their
// connection before Publish gives up.
const maxRefusedPublishes = 3

// PublishOptions say what a device publishes, where and how often.
type PublishOptions struct {
	Endpoint  Endpoint
	Identity  *Identity
	Topic     string        // "" is Identity.Topic()
	Interval  time.Duration // between readings; 0 is 5 s
	Count     int           // stop after this many acknowledged readings; 0 runs until ctx ends
	Sensor    Sensor        // nil is RandomWalk()
	Subscribe bool          // also subscribe to Topic and pass what comes back to Echo
	Echo      func(topic string, payload []byte)
	Sent      func(Reading) // after each PUBACK; never at the same time as Echo
	Backoff   Backoff       // zero is DefaultBackoff
	Timeout   time.Duration // each connect and publish; 0 is DefaultTimeout
	Log       *slog.Logger
}

// Publish connects as the device (client id = thing name) and publishes a
// Reading every Interval at QoS 1, the first at once. When the connection
// drops it connects again with Backoff and sends the unacknowledged
// reading again. It returns how many readings were acknowledged, with a
// nil error once Count were or when ctx ends, and an error when the
// connection closes on several publishes in a row (a refused topic).
func Publish(ctx context.Context, o PublishOptions) (int, error) {
	p, err := newPublisher(o)
	if err != nil {
		return 0, err
	}
	defer p.close()
	return p.run(ctx)
}

// publisher is the state of one Publish.
type publisher struct {
	PublishOptions
	cert    tls.Certificate
	conn    *Conn
	fails   int           // connect failures and drops since the last acknowledged reading
	refused int           // publishes in a row that lost their connection
	delay   time.Duration // before the next connect, when fails > 0
	sent    int
	mu      sync.Mutex // serializes Echo and Sent
	echoed  int        // mu held
	echoCh  chan struct{}
	pending Reading
}

func newPublisher(o PublishOptions) (*publisher, error) {
	cert, err := o.Identity.Certificate()
	if err != nil {
		return nil, err
	}
	if o.Topic == "" {
		o.Topic = o.Identity.Topic()
	}
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.Sensor == nil {
		o.Sensor = RandomWalk()
	}
	if o.Backoff == (Backoff{}) {
		o.Backoff = DefaultBackoff
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &publisher{PublishOptions: o, cert: cert, echoCh: make(chan struct{}, 1)}, nil
}

func (p *publisher) close() {
	if p.conn != nil {
		p.conn.Close()
	}
}

func (p *publisher) run(ctx context.Context) (int, error) {
	tick := time.NewTicker(p.Interval)
	defer tick.Stop()
	p.pending = p.read()
	due := true
	for p.Count == 0 || p.sent < p.Count {
		if p.conn == nil && !p.connect(ctx) {
			return p.sent, nil
		}
		if !due {
			select {
			case <-ctx.Done():
				return p.sent, nil
			case <-p.conn.Lost():
				p.dropped(p.conn.Err())
			case <-tick.C:
				p.pending, due = p.read(), true
			}
			continue
		}
		if err := p.publish(ctx); err != nil {
			if ctx.Err() != nil {
				return p.sent, nil
			}
			// AWS IoT closes an MQTT 3.1.1 connection on a publish its
			// policy refuses: reconnecting would loop forever.
			if p.refused++; p.refused >= maxRefusedPublishes {
				return p.sent, fmt.Errorf("the connection closed on each of %d publishes to %s: the device's policy probably does not allow it (%w)",
					p.refused, p.Topic, err)
			}
			p.dropped(err) // the reading stays due, for the next connection
			continue
		}
		due = false
	}
	p.awaitEchoes(ctx)
	return p.sent, nil
}

func (p *publisher) read() Reading {
	return Reading{ThingName: p.Identity.ThingName, Temperature: p.Sensor(), Timestamp: time.Now().Unix()}
}

func (p *publisher) publish(ctx context.Context) error {
	b, _ := json.Marshal(p.pending)
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	if err := p.conn.Publish(ctx, p.Topic, b); err != nil {
		return err
	}
	p.sent++
	p.fails, p.refused = 0, 0
	if p.Sent != nil {
		p.mu.Lock()
		p.Sent(p.pending)
		p.mu.Unlock()
	}
	return nil
}

// dropped forgets a broken connection; the next connect waits first.
func (p *publisher) dropped(err error) {
	p.Log.Warn("connection lost; reconnecting", "thing", p.Identity.ThingName, "err", err)
	p.conn.Close()
	p.conn = nil
	p.failed()
}

func (p *publisher) failed() {
	p.fails++
	p.delay = p.Backoff.Delay(p.fails - 1)
}

// connect dials until it succeeds, waiting Backoff between attempts (and
// before the first one after a drop); false when ctx ends first.
func (p *publisher) connect(ctx context.Context) bool {
	for {
		if p.fails > 0 {
			select {
			case <-ctx.Done():
				return false
			case <-time.After(p.delay):
			}
		}
		conn, err := p.dial(ctx)
		if err == nil {
			p.conn = conn
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		p.failed()
		p.Log.Warn("connect failed; will retry", "thing", p.Identity.ThingName,
			"in", p.delay.Round(time.Millisecond), "err", err)
	}
}

// dial connects and, with Subscribe, subscribes again (the session is
// clean, so a subscription does not outlive its connection).
func (p *publisher) dial(ctx context.Context) (*Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	conn, err := Dial(ctx, p.Endpoint, p.cert, p.Identity.ThingName)
	if err != nil || !p.Subscribe {
		return conn, err
	}
	if err := conn.Subscribe(ctx, p.echo, p.Topic); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func (p *publisher) echo(topic string, payload []byte) {
	p.mu.Lock()
	p.echoed++
	if p.Echo != nil {
		p.Echo(topic, payload)
	}
	p.mu.Unlock()
	select {
	case p.echoCh <- struct{}{}:
	default:
	}
}

// awaitEchoes gives the last readings' echoes a Timeout to come back
// before the connection closes.
func (p *publisher) awaitEchoes(ctx context.Context) {
	if !p.Subscribe {
		return
	}
	timeout := time.NewTimer(p.Timeout)
	defer timeout.Stop()
	for {
		p.mu.Lock()
		done := p.echoed >= p.sent
		p.mu.Unlock()
		if done {
			return
		}
		select {
		case <-p.echoCh:
		case <-timeout.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
