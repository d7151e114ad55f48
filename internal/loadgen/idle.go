package loadgen

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
)

// IdleConfig configures the idle-connections scenario.
type IdleConfig struct {
	Conns       int           // connections to open in total
	Procs       int           // generator processes holding them (1: this one); more needs Spawn
	Concurrency int           // connects in progress at once, per process
	Settle      time.Duration // wait after the last connect before reading the broker's RSS
	Hold        time.Duration // keep the connections open this long after measuring
	// Spawn returns the command of a child process that holds conns
	// connections numbered from offset (`roost bench idle --child`); see
	// IdleChild for its protocol.
	Spawn func(conns, offset int) *exec.Cmd
}

// IdleDefaults are the idle scenario's defaults.
func IdleDefaults() IdleConfig {
	return IdleConfig{Conns: 2000, Procs: 1, Concurrency: 16, Settle: 5 * time.Second}
}

// holder keeps idle connections open in this process.
type holder struct {
	t        *Target
	conns    []*tls.Conn
	failures atomic.Int64
	mu       sync.Mutex
	errs     errorList
}

// holdConns opens n connections numbered from offset.
func (t *Target) holdConns(ctx context.Context, n, offset, concurrency int) *holder {
	h := &holder{t: t, conns: make([]*tls.Conn, n)}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(concurrency, 1) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c, err := t.open(ctx, t.ClientID+"-idle-"+strconv.Itoa(offset+i), 64)
				if err != nil {
					h.failures.Add(1)
					h.mu.Lock()
					h.errs.add(err)
					h.mu.Unlock()
					continue
				}
				h.conns[i] = c.tc
			}
		})
	}
	wg.Wait()
	live := h.conns[:0]
	for _, c := range h.conns {
		if c != nil {
			live = append(live, c)
		}
	}
	h.conns = live
	return h
}

var pingreq = []byte{byte(mqtt.TypePingreq) << 4, 0}

// ping sends PINGREQ on every connection and counts the PINGRESPs that
// come back within a few seconds.
func (h *holder) ping(concurrency int) int {
	var alive atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(concurrency, 1) * 4 {
		wg.Go(func() {
			var b [2]byte
			for {
				i := int(next.Add(1)) - 1
				if i >= len(h.conns) {
					return
				}
				c := h.conns[i]
				c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := c.Write(pingreq); err != nil {
					continue
				}
				if _, err := io.ReadFull(c, b[:]); err == nil && b[0] == byte(mqtt.TypePingresp)<<4 {
					alive.Add(1)
				}
				c.SetDeadline(time.Time{})
			}
		})
	}
	wg.Wait()
	return int(alive.Load())
}

func (h *holder) closeAll() {
	var wg sync.WaitGroup
	for part := range 8 {
		wg.Go(func() {
			for i := part; i < len(h.conns); i += 8 {
				h.conns[i].SetWriteDeadline(time.Now().Add(time.Second))
				h.conns[i].Write(disconnectPacket)
				h.conns[i].Close()
			}
		})
	}
	wg.Wait()
}

// Idle opens the connections (in child processes when cfg.Procs > 1),
// reads the broker's RSS before and after, checks that they are alive,
// holds them and closes them.
func Idle(ctx context.Context, t *Target, cfg IdleConfig) (*Result, error) {
	if cfg.Conns < 1 {
		return nil, fmt.Errorf("conns must be at least 1")
	}
	cfg.Procs = max(cfg.Procs, 1)
	if cfg.Procs > 1 && cfg.Spawn == nil {
		return nil, fmt.Errorf("several processes need a way to spawn them")
	}
	res := &Result{Scenario: ScenarioIdle, Addr: t.Addr, Conns: cfg.Conns, Procs: cfg.Procs, BrokerPID: t.PID}
	var err error
	if t.PID > 0 {
		if res.RSSBeforeKB, err = ReadRSS(t.PID); err != nil {
			return nil, err
		}
	}
	cpu := startCPU(t.PID)
	g, err := openGroup(ctx, t, cfg)
	if err != nil {
		return nil, err
	}
	defer g.close()
	res.Connected, res.Failures, res.Errors = g.connected, g.failures, g.errs
	select {
	case <-time.After(cfg.Settle):
	case <-ctx.Done():
	}
	if t.PID > 0 {
		if res.RSSAfterKB, err = ReadRSS(t.PID); err != nil {
			return nil, err
		}
		if res.Connected > 0 {
			res.BytesPerConn = round(float64(res.RSSAfterKB-res.RSSBeforeKB)*1024/float64(res.Connected), 0)
		}
	}
	res.Alive = g.ping(cfg.Concurrency)
	if cfg.Hold > 0 {
		select {
		case <-time.After(cfg.Hold):
		case <-ctx.Done():
		}
	}
	childCPU := g.close()
	cpu.stop(res, childCPU)
	return res, nil
}

// ReadRSS returns VmRSS of a process in KB (of 1024 bytes), from
// /proc/<pid>/status.
func ReadRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("broker RSS: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("broker RSS: no VmRSS in /proc/%d/status", pid)
}

// group is the connections of an idle run: held here, or by children.
type group struct {
	connected int
	failures  int64
	errs      []string
	local     *holder
	children  []*child
	closed    bool
	childCPU  time.Duration
}

func openGroup(ctx context.Context, t *Target, cfg IdleConfig) (*group, error) {
	g := &group{}
	if cfg.Procs == 1 {
		g.local = t.holdConns(ctx, cfg.Conns, 0, cfg.Concurrency)
		g.connected, g.failures, g.errs = len(g.local.conns), g.local.failures.Load(), g.local.errs.msgs
		return g, nil
	}
	per := (cfg.Conns + cfg.Procs - 1) / cfg.Procs
	for off := 0; off < cfg.Conns; off += per {
		ch, err := startChild(cfg.Spawn(min(per, cfg.Conns-off), off))
		if err != nil {
			g.close()
			return nil, err
		}
		g.children = append(g.children, ch)
	}
	var errs errorList
	for _, ch := range g.children {
		var st childStatus
		if err := ch.recv(&st); err != nil {
			g.close()
			return nil, err
		}
		g.connected += st.Connected
		g.failures += st.Failures
		for _, e := range st.Errors {
			errs.add(fmt.Errorf("%s", e))
		}
	}
	g.errs = errs.msgs
	return g, nil
}

func (g *group) ping(concurrency int) int {
	if g.local != nil {
		return g.local.ping(concurrency)
	}
	alive := 0
	for _, ch := range g.children {
		fmt.Fprintln(ch.in, "check")
	}
	for _, ch := range g.children {
		var st childStatus
		if ch.recv(&st) == nil {
			alive += st.Alive
		}
	}
	return alive
}

// close closes every connection and returns the CPU time the children used.
func (g *group) close() time.Duration {
	if g.closed {
		return g.childCPU
	}
	g.closed = true
	if g.local != nil {
		g.local.closeAll()
	}
	for _, ch := range g.children {
		ch.in.Close()
	}
	for _, ch := range g.children {
		ch.cmd.Wait()
		if ch.cmd.ProcessState != nil {
			u, s := rusageCPU(ch.cmd.ProcessState.SysUsage())
			g.childCPU += u + s
		}
	}
	return g.childCPU
}

// childStatus is a line a child writes: after connecting, and after a check.
type childStatus struct {
	Connected int      `json:"connected"`
	Failures  int64    `json:"failures"`
	Errors    []string `json:"errors,omitempty"`
	Alive     int      `json:"alive"`
}

type child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startChild(cmd *exec.Cmd) (*child, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start idle child: %w", err)
	}
	return &child{cmd: cmd, in: in, out: bufio.NewScanner(out)}, nil
}

func (c *child) recv(st *childStatus) error {
	if !c.out.Scan() {
		return fmt.Errorf("idle child %d ended: %v", c.cmd.Process.Pid, c.out.Err())
	}
	return json.Unmarshal(c.out.Bytes(), st)
}

// IdleChild is the child side of a multi-process idle run: it opens conns
// connections numbered from offset and writes a status line; then each
// "check" line on in makes it ping them all and write the count alive; the
// end of in closes them.
func IdleChild(ctx context.Context, t *Target, conns, offset, concurrency int, in io.Reader, out io.Writer) error {
	h := t.holdConns(ctx, conns, offset, concurrency)
	defer h.closeAll()
	enc := json.NewEncoder(out)
	if err := enc.Encode(childStatus{Connected: len(h.conns), Failures: h.failures.Load(), Errors: h.errs.msgs}); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "check" {
			if err := enc.Encode(childStatus{Connected: len(h.conns), Alive: h.ping(concurrency)}); err != nil {
				return err
			}
		}
	}
	return nil
}
