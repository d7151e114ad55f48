package loadgen

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ConnectConfig configures the connect-rate scenario.
type ConnectConfig struct {
	Connectors int           // connections being opened at once
	Duration   time.Duration // how long to keep connecting
}

// ConnectDefaults are the connect scenario's defaults.
func ConnectDefaults() ConnectConfig { return ConnectConfig{Connectors: 8, Duration: 10 * time.Second} }

// Connect measures full connections per second: TCP connect, TLS handshake
// with a client certificate (no resumption), CONNECT, CONNACK, DISCONNECT
// and close, by cfg.Connectors connectors for cfg.Duration.
func Connect(ctx context.Context, t *Target, cfg ConnectConfig) (*Result, error) {
	if cfg.Connectors < 1 || cfg.Duration <= 0 {
		return nil, fmt.Errorf("connectors and duration must be positive")
	}
	res := &Result{Scenario: ScenarioConnect, Addr: t.Addr, Connectors: cfg.Connectors}
	end := time.Now().Add(cfg.Duration)
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	// The deadline is checked against the clock, not only ctx.Err(): on a
	// busy machine the context's timer fires late, and a dial made after
	// the deadline fails at once.
	running := func() bool { return ctx.Err() == nil && time.Now().Before(end) }
	var (
		ok, failed atomic.Int64
		mu         sync.Mutex
		errs       errorList
		times      [][]int64
		wg         sync.WaitGroup
	)
	times = make([][]int64, cfg.Connectors)
	cpu := startCPU(t.PID)
	for w := range cfg.Connectors {
		wg.Go(func() {
			lat := make([]int64, 0, 4096)
			for n := 0; running(); n++ {
				start := time.Now()
				c, err := t.open(ctx, t.ClientID+"-c"+strconv.Itoa(w)+"-"+strconv.Itoa(n), 512)
				if err != nil {
					if running() {
						failed.Add(1)
						mu.Lock()
						errs.add(err)
						mu.Unlock()
					}
					continue
				}
				lat = append(lat, int64(time.Since(start)))
				c.close()
				ok.Add(1)
			}
			times[w] = lat
		})
	}
	wg.Wait()
	cpu.stop(res, 0)
	res.Connects, res.Failures, res.Errors = ok.Load(), failed.Load(), errs.msgs
	res.ConnectRate = round(float64(res.Connects)/res.Seconds, 1)
	var all []int64
	for _, l := range times {
		all = append(all, l...)
	}
	fillLatency(res, all)
	return res, nil
}
