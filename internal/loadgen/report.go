package loadgen

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ReadResults reads JSON result lines; other lines are skipped, so a
// whole `roost bench` output can be read.
func ReadResults(r io.Reader) ([]Result, error) {
	var out []Result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, `{"scenario"`) {
			continue
		}
		var res Result
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			return nil, fmt.Errorf("result line %q: %w", line, err)
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

// metric is one row of the report: which results it reads and how.
type metric struct {
	name  string
	match func(r *Result) bool
	value func(r *Result) float64
	unit  string
	// target judges the subject's value against the peers' ("" when the
	// row has no target).
	target func(subject float64, peers map[string]float64) string
	cpu    string // the row's name in the generator CPU table, "" for none
}

// metrics are the rows, in order: the figures issue 4 sets targets for.
func metrics(results []Result) []metric {
	fanin := func(q int) func(*Result) bool {
		return func(r *Result) bool { return r.Scenario == ScenarioFanIn && r.QoS == q }
	}
	latency := func(r *Result) bool { return r.Scenario == ScenarioLatency }
	connect := func(r *Result) bool { return r.Scenario == ScenarioConnect }
	ms := []metric{
		{name: "fan-in QoS 0: delivered msgs/s", match: fanin(0), value: func(r *Result) float64 { return r.DeliveredRate },
			target: ratioTarget(1.5, ""), cpu: "fan-in QoS 0"},
		{name: "fan-in QoS 0: sent msgs/s", match: fanin(0), value: func(r *Result) float64 { return r.SentRate }},
		{name: "fan-in QoS 0: loss %", match: fanin(0), value: func(r *Result) float64 { return r.LossPct }, unit: "%"},
		{name: "fan-in QoS 1: delivered msgs/s", match: fanin(1), value: func(r *Result) float64 { return r.DeliveredRate },
			target: ratioTarget(1.5, ""), cpu: "fan-in QoS 1"},
		{name: "fan-in QoS 1: sent msgs/s", match: fanin(1), value: func(r *Result) float64 { return r.SentRate }},
		{name: "fan-in QoS 1: loss %", match: fanin(1), value: func(r *Result) float64 { return r.LossPct }, unit: "%",
			target: func(s float64, _ map[string]float64) string { return verdict(s == 0, "zero loss") }},
		{name: "latency p50 ms", match: latency, value: func(r *Result) float64 { return r.P50 }, unit: "ms"},
		{name: "latency p99 ms", match: latency, value: func(r *Result) float64 { return r.P99 }, unit: "ms",
			target: lowestTarget, cpu: "latency"},
		{name: "latency max ms", match: latency, value: func(r *Result) float64 { return r.Max }, unit: "ms"},
	}
	var sizes []int
	for _, r := range results {
		if r.Scenario == ScenarioIdle && !slices.Contains(sizes, r.Conns) {
			sizes = append(sizes, r.Conns)
		}
	}
	slices.Sort(sizes)
	for _, n := range sizes {
		ms = append(ms, metric{name: fmt.Sprintf("RSS per idle mTLS connection, %s conns (KB)", num(float64(n))),
			match: func(r *Result) bool { return r.Scenario == ScenarioIdle && r.Conns == n && r.BrokerPID > 0 },
			value: func(r *Result) float64 { return r.BytesPerConn / 1024 }, unit: "KB",
			target: func(s float64, _ map[string]float64) string { return verdict(s <= 16, "≤ 16 KB") },
			cpu:    fmt.Sprintf("idle, %s conns", num(float64(n)))})
	}
	ms = append(ms,
		metric{name: "mTLS connects/s", match: connect, value: func(r *Result) float64 { return r.ConnectRate },
			target: ratioTarget(3, "mosquitto"), cpu: "connect"},
		metric{name: "connect p99 ms", match: connect, value: func(r *Result) float64 { return r.P99 }, unit: "ms"})
	return ms
}

// ratioTarget wants the subject at least k times the best peer (or the
// named peer).
func ratioTarget(k float64, peer string) func(float64, map[string]float64) string {
	return func(s float64, peers map[string]float64) string {
		best, who := 0.0, ""
		for name, v := range peers {
			if (peer == "" || name == peer) && v > best {
				best, who = v, name
			}
		}
		if best == 0 {
			return ""
		}
		return verdict(s >= k*best, fmt.Sprintf("%.2f× %s (target ≥ %g×)", s/best, who, k))
	}
}

// lowestTarget wants the subject at or below the best (lowest) peer.
func lowestTarget(s float64, peers map[string]float64) string {
	best, who := -1.0, ""
	for name, v := range peers {
		if best < 0 || v < best {
			best, who = v, name
		}
	}
	if best < 0 {
		return ""
	}
	return verdict(s <= best, fmt.Sprintf("%.2f× %s (target ≤ 1×)", s/best, who))
}

func verdict(ok bool, what string) string {
	if ok {
		return "met: " + what
	}
	return "NOT met: " + what
}

// Report writes a markdown table of results side by side, one column per
// label in order of appearance, and the subject's targets against the
// others; then the CPU used for each cell. Where a label has several
// results for a metric (repeated runs), the cell is their median.
func Report(w io.Writer, results []Result, subject string) error {
	var labels []string
	for _, r := range results {
		if !slices.Contains(labels, r.Label) {
			labels = append(labels, r.Label)
		}
	}
	repeated := false
	find := func(m metric, label string) *Result {
		var found []*Result
		for i := range results {
			if results[i].Label == label && m.match(&results[i]) {
				found = append(found, &results[i])
			}
		}
		if len(found) == 0 {
			return nil
		}
		repeated = repeated || len(found) > 1
		slices.SortStableFunc(found, func(a, b *Result) int { return cmp.Compare(m.value(a), m.value(b)) })
		return found[(len(found)-1)/2]
	}
	ms := metrics(results)
	var b strings.Builder
	b.WriteString("| metric | " + strings.Join(labels, " | ") + " | " + subject + " vs target |\n")
	b.WriteString("|---" + strings.Repeat("|--:", len(labels)) + "|---|\n")
	for _, m := range ms {
		cells, peers := make([]string, len(labels)), map[string]float64{}
		var subj *float64
		for i, l := range labels {
			r := find(m, l)
			if r == nil {
				cells[i] = "–"
				continue
			}
			v := m.value(r)
			cells[i] = format(v, m.unit)
			if l == subject {
				subj = &v
			} else {
				peers[l] = v
			}
		}
		if slices.Equal(cells, slices.Repeat([]string{"–"}, len(cells))) {
			continue
		}
		verdict := ""
		if m.target != nil && subj != nil {
			verdict = m.target(*subj, peers)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", m.name, strings.Join(cells, " | "), verdict)
	}
	if repeated {
		b.WriteString("\nWhere a broker ran a scenario several times (REPEAT), each cell is the median over the runs.\n")
	}
	b.WriteString("\nCPU during each measurement, in % of one core: generator / broker / whole host " +
		"(the host figure includes whatever else ran on the machine):\n\n")
	b.WriteString("| scenario | " + strings.Join(labels, " | ") + " |\n")
	b.WriteString("|---" + strings.Repeat("|--:", len(labels)) + "|\n")
	for _, m := range ms {
		if m.cpu == "" {
			continue
		}
		cells := make([]string, len(labels))
		any := false
		for i, l := range labels {
			cells[i] = "–"
			if r := find(m, l); r != nil {
				cells[i] = fmt.Sprintf("%.0f / %.0f / %.0f", r.GenCPUPct, r.BrokerCPUPct, r.HostCPUPct)
				any = true
			}
		}
		if any {
			fmt.Fprintf(&b, "| %s | %s |\n", m.cpu, strings.Join(cells, " | "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func format(v float64, unit string) string {
	switch unit {
	case "%":
		return fmt.Sprintf("%.2f%%", v)
	case "ms":
		return fmt.Sprintf("%.3f", v)
	case "KB":
		return fmt.Sprintf("%.1f", v)
	}
	return num(v)
}
