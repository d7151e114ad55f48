package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Scenario names, as they appear in results.
const (
	ScenarioFanIn   = "fanin"
	ScenarioLatency = "latency"
	ScenarioIdle    = "idle"
	ScenarioConnect = "connect"
)

// Result is the outcome of one scenario run: one JSON line. Fields that do
// not apply to a scenario are left out.
type Result struct {
	Scenario string  `json:"scenario"`
	Label    string  `json:"label,omitempty"` // which broker, as the harness names it
	Addr     string  `json:"addr"`
	Time     string  `json:"time"`       // when the run ended, RFC 3339
	Seconds  float64 `json:"duration_s"` // the measured window

	// Publishing scenarios (fanin, latency).
	QoS           int     `json:"qos"`
	Publishers    int     `json:"publishers,omitempty"`
	PayloadBytes  int     `json:"payload_bytes,omitempty"`
	Window        int     `json:"window,omitempty"`      // QoS 1 PUBLISHes in flight per publisher
	TargetRate    float64 `json:"target_rate,omitempty"` // total msgs/s asked for; 0 = as fast as possible
	Sent          int64   `json:"sent,omitempty"`        // PUBLISHes written, run and drain
	Acked         int64   `json:"acked,omitempty"`       // PUBACKs received (QoS 1)
	Delivered     int64   `json:"delivered,omitempty"`   // PUBLISHes the subscriber received
	Lost          int64   `json:"lost"`                  // sent but never delivered, after the drain
	LossPct       float64 `json:"loss_pct"`
	Duplicates    int64   `json:"duplicates,omitempty"` // a sequence number seen again or out of order
	SentRate      float64 `json:"sent_per_s,omitempty"` // within the window
	AckedRate     float64 `json:"acked_per_s,omitempty"`
	DeliveredRate float64 `json:"delivered_per_s,omitempty"`

	// Latency, publish to delivery, in milliseconds.
	Samples int     `json:"samples,omitempty"`
	P50     float64 `json:"p50_ms,omitempty"`
	P90     float64 `json:"p90_ms,omitempty"`
	P99     float64 `json:"p99_ms,omitempty"`
	Max     float64 `json:"max_ms,omitempty"`

	// Idle connections.
	Conns        int     `json:"conns,omitempty"` // asked for
	Procs        int     `json:"procs,omitempty"` // generator processes holding them
	Connected    int     `json:"connected,omitempty"`
	Alive        int     `json:"alive,omitempty"` // answered a PINGREQ after the measurement
	BrokerPID    int     `json:"broker_pid,omitempty"`
	RSSBeforeKB  int64   `json:"rss_before_kb,omitempty"` // broker VmRSS, KB of 1024 bytes
	RSSAfterKB   int64   `json:"rss_after_kb,omitempty"`
	BytesPerConn float64 `json:"bytes_per_conn,omitempty"`

	// Connect rate.
	Connectors  int     `json:"connectors,omitempty"`
	Connects    int64   `json:"connects,omitempty"`
	ConnectRate float64 `json:"connects_per_s,omitempty"`

	Failures int64    `json:"failures,omitempty"` // connections that failed to open or broke
	Errors   []string `json:"errors,omitempty"`   // the first few distinct errors

	// CPU over the window, in seconds and in percent of one core (100% per
	// fully busy core; Cores says how many there are): the generator's own
	// (getrusage, children included), the broker's (/proc/<pid>/stat, when
	// its pid is known) and the whole host's (/proc/stat), so that what
	// else ran on the machine shows too.
	GenCPU       float64 `json:"gen_cpu_s"`
	GenCPUPct    float64 `json:"gen_cpu_pct"`
	BrokerCPU    float64 `json:"broker_cpu_s,omitempty"`
	BrokerCPUPct float64 `json:"broker_cpu_pct,omitempty"`
	HostCPUPct   float64 `json:"host_cpu_pct,omitempty"`
	Cores        int     `json:"cores"`
}

// cpuMeter measures CPU time over a window: this process's, the broker's
// (pid > 0) and the host's.
type cpuMeter struct {
	start     time.Time
	user, sys time.Duration
	pid       int
	broker    time.Duration
	host      time.Duration
}

func startCPU(brokerPID int) cpuMeter {
	u, s := cpuTime()
	m := cpuMeter{start: time.Now(), user: u, sys: s, pid: brokerPID, host: hostCPU()}
	if brokerPID > 0 {
		m.broker = procCPU(brokerPID)
	}
	return m
}

// stop fills the window and CPU fields of r; extra is CPU time spent by
// child processes.
func (m cpuMeter) stop(r *Result, extra time.Duration) {
	wall := time.Since(m.start)
	u, s := cpuTime()
	cpu := u - m.user + s - m.sys + extra
	r.Seconds = round(wall.Seconds(), 3)
	r.Cores = runtime.NumCPU()
	r.Time = time.Now().UTC().Format(time.RFC3339)
	if wall <= 0 {
		return
	}
	pct := func(d time.Duration) float64 { return round(100*d.Seconds()/wall.Seconds(), 1) }
	r.GenCPU, r.GenCPUPct = round(cpu.Seconds(), 3), pct(cpu)
	if m.pid > 0 {
		if b := procCPU(m.pid) - m.broker; b > 0 {
			r.BrokerCPU, r.BrokerCPUPct = round(b.Seconds(), 3), pct(b)
		}
	}
	if h := hostCPU() - m.host; h > 0 {
		r.HostCPUPct = pct(h)
	}
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	if v < 0 {
		return -float64(int64(-v*p+0.5)) / p
	}
	return float64(int64(v*p+0.5)) / p
}

// errorList keeps the first few distinct error messages.
type errorList struct{ msgs []string }

func (l *errorList) add(err error) {
	if err == nil || len(l.msgs) >= 5 {
		return
	}
	s := err.Error()
	for _, m := range l.msgs {
		if m == s {
			return
		}
	}
	l.msgs = append(l.msgs, s)
}

// WriteJSON writes r as one line.
func (r *Result) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteTable writes r for a person: what was run, the figures, and the
// generator's CPU beside them.
func (r *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, a ...any) { fmt.Fprintf(tw, "  %s\t"+format+"\n", append([]any{k}, a...)...) }
	title := r.Scenario
	if r.Label != "" {
		title += " · " + r.Label
	}
	fmt.Fprintf(tw, "%s  (%s, %.1f s)\n", title, r.Addr, r.Seconds)
	switch r.Scenario {
	case ScenarioFanIn, ScenarioLatency:
		row("load", "%d publishers -> 1 wildcard subscriber, QoS %d, %d-byte payloads%s", r.Publishers, r.QoS,
			r.PayloadBytes, r.loadNote())
		row("delivered", "%s msgs/s", num(r.DeliveredRate))
		row("sent", "%s msgs/s", num(r.SentRate))
		if r.QoS > 0 {
			row("acked", "%s msgs/s", num(r.AckedRate))
		}
		row("loss", "%d of %d (%.2f%%)%s", r.Lost, r.Sent, r.LossPct, dupNote(r.Duplicates))
		if r.Samples > 0 {
			row("latency", "p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms  (%d samples)",
				r.P50, r.P90, r.P99, r.Max, r.Samples)
		}
	case ScenarioIdle:
		row("connections", "%d of %d open (%d processes), %d answered PINGREQ after", r.Connected, r.Conns, r.Procs, r.Alive)
		if r.BrokerPID > 0 {
			row("broker RSS", "%d KB -> %d KB (pid %d)", r.RSSBeforeKB, r.RSSAfterKB, r.BrokerPID)
			row("per connection", "%s bytes (%.1f KB)", num(r.BytesPerConn), r.BytesPerConn/1024)
		}
	case ScenarioConnect:
		row("connects", "%s /s  (%d in total, %d connectors; handshake+CONNECT+CONNACK+DISCONNECT)",
			num(r.ConnectRate), r.Connects, r.Connectors)
		if r.Samples > 0 {
			row("connect time", "p50 %.3f ms  p99 %.3f ms  max %.3f ms", r.P50, r.P99, r.Max)
		}
	}
	if r.Failures > 0 || len(r.Errors) > 0 {
		row("failures", "%d: %s", r.Failures, strings.Join(r.Errors, "; "))
	}
	row("generator CPU", "%.2f s = %.0f%% of one core (%d cores)", r.GenCPU, r.GenCPUPct, r.Cores)
	if r.BrokerCPU > 0 {
		row("broker CPU", "%.2f s = %.0f%% of one core", r.BrokerCPU, r.BrokerCPUPct)
	}
	if r.HostCPUPct > 0 {
		row("host CPU", "%.0f%% of one core busy in all, %.0f%% by neither the generator nor the broker",
			r.HostCPUPct, max(0, r.HostCPUPct-r.GenCPUPct-r.BrokerCPUPct))
	}
	return tw.Flush()
}

func (r *Result) loadNote() string {
	var s string
	if r.TargetRate > 0 {
		s += fmt.Sprintf(", %s msgs/s in total", num(r.TargetRate))
	}
	if r.QoS > 0 && r.Window > 0 {
		s += fmt.Sprintf(", window %d", r.Window)
	}
	return s
}

func dupNote(d int64) string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf(", %d duplicate or out of order", d)
}

// num formats a rate with thousands separators.
func num(v float64) string {
	n := int64(v + 0.5)
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
