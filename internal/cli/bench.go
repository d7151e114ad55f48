package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roost-iot/roost/internal/gctune"
	"github.com/roost-iot/roost/internal/loadgen"
	"github.com/roost-iot/roost/internal/mqtt"
)

// benchOptions are the flags every bench scenario shares: the broker and
// how to reach it, and where results go.
type benchOptions struct {
	addr, ca, cert, key, serverName string
	tlsVersion                      string
	sources                         string
	keepAlive                       uint16
	clientID                        string
	label, jsonFile                 string
	brokerPID                       int
	cpuProfile                      string
}

func (o *benchOptions) bind(fs *pflag.FlagSet) {
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8883", "broker MQTT over TLS address, host:port")
	fs.StringVar(&o.ca, "ca", "roost-data/ca.pem", "CA certificate that signed the broker's certificate (PEM)")
	fs.StringVar(&o.cert, "cert", "", "client certificate (PEM); one certificate serves every connection")
	fs.StringVar(&o.key, "key", "", "client private key (PEM)")
	fs.StringVar(&o.serverName, "server-name", "", "TLS server name to verify (default: the host of --addr)")
	fs.StringVar(&o.tlsVersion, "tls-version", "1.3", "highest TLS version: 1.2 or 1.3")
	fs.StringVar(&o.sources, "sources", "", "local addresses to connect from in turn: IPs or ranges, e.g. 127.0.0.2-127.0.0.9")
	fs.Uint16Var(&o.keepAlive, "keepalive", 300, "CONNECT keep alive in seconds")
	fs.StringVar(&o.clientID, "client-id", "bench", "client id prefix (each connection appends its own suffix)")
	fs.StringVar(&o.label, "label", "", "name of the broker in results (e.g. roost, mosquitto, mochi)")
	fs.StringVar(&o.jsonFile, "json", "", "also append each result's JSON line to this file")
	fs.IntVar(&o.brokerPID, "broker-pid", 0, "the broker's pid when it runs here: its CPU time beside each result, "+
		"and its VmRSS (/proc/<pid>/status) before and after idle connections")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the generator's CPU profile to this file")
}

func (o *benchOptions) target() (*loadgen.Target, error) {
	if o.cert == "" || o.key == "" {
		return nil, fmt.Errorf("--cert and --key are required (a client certificate the broker trusts)")
	}
	var v uint16
	switch o.tlsVersion {
	case "1.2":
		v = tls.VersionTLS12
	case "1.3", "":
		v = tls.VersionTLS13
	default:
		return nil, fmt.Errorf("--tls-version %q: want 1.2 or 1.3", o.tlsVersion)
	}
	t, err := loadgen.NewTarget(o.addr, loadgen.TLSOptions{CAFile: o.ca, CertFile: o.cert, KeyFile: o.key,
		ServerName: o.serverName, MaxVersion: v})
	if err != nil {
		return nil, err
	}
	if t.Sources, err = loadgen.ParseSources(o.sources); err != nil {
		return nil, err
	}
	t.KeepAlive, t.ClientID, t.PID = o.keepAlive, o.clientID, o.brokerPID
	return t, nil
}

// args are the flags that give a child process the same target.
func (o *benchOptions) args() []string {
	return []string{"--addr", o.addr, "--ca", o.ca, "--cert", o.cert, "--key", o.key,
		"--server-name", o.serverName, "--tls-version", o.tlsVersion, "--sources", o.sources,
		"--keepalive", strconv.Itoa(int(o.keepAlive)), "--client-id", o.clientID}
}

// emit prints a result as a table and a JSON line, and appends the line to
// the --json file.
func (o *benchOptions) emit(w io.Writer, res *loadgen.Result) error {
	res.Label = o.label
	if err := res.WriteTable(w); err != nil {
		return err
	}
	if err := res.WriteJSON(w); err != nil {
		return err
	}
	if o.jsonFile == "" {
		return nil
	}
	f, err := os.OpenFile(o.jsonFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if err := res.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func benchCmd() *cobra.Command {
	o := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load-test an MQTT broker over mutual TLS: fan-in, latency, idle connections, connect rate",
		Long: "Load-test any MQTT 3.1.1 broker over mutual TLS (Roost, Mosquitto, mochi, ...).\n\n" +
			"Each scenario prints a table and one JSON line, with the generator's own CPU use beside\n" +
			"the result. bench/run.sh runs them all against Roost and its peers; `roost bench report`\n" +
			"puts the JSON lines of several brokers side by side.",
	}
	o.bind(cmd.PersistentFlags())
	cmd.AddCommand(benchFanInCmd(o), benchLatencyCmd(o), benchIdleCmd(o), benchConnectCmd(o), benchReportCmd())
	return cmd
}

// benchRun prepares a scenario run: a context cancelled by Ctrl-C, the
// file limit raised, the target loaded, and the GC target tuned as the
// server's is, so that the generator spends its CPU on the load rather
// than on collecting its handshakes' garbage.
func benchRun(cmd *cobra.Command, o *benchOptions, run func(context.Context, *loadgen.Target) (*loadgen.Result, error)) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go gctune.Run(ctx)
	if _, err := loadgen.RaiseFileLimit(); err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "roost bench: raise the open file limit:", err)
	}
	t, err := o.target()
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := run(ctx, t)
	if err != nil {
		return err
	}
	return o.emit(cmd.OutOrStdout(), res)
}

func bindPublish(fs *pflag.FlagSet, c *loadgen.PublishConfig, qos *int) {
	fs.IntVar(&c.Publishers, "publishers", c.Publishers, "publishing connections")
	fs.IntVar(qos, "qos", int(c.QoS), "QoS of the PUBLISHes and of the subscription: 0 or 1")
	fs.IntVar(&c.Payload, "payload", c.Payload, "payload bytes (at least 20)")
	fs.DurationVar(&c.Duration, "duration", c.Duration, "measured window")
	fs.Float64Var(&c.Rate, "rate", c.Rate, "total msgs/s over all publishers; 0 = as fast as the broker takes them")
	fs.IntVar(&c.Window, "window", c.Window, "QoS 1: PUBLISHes in flight (not yet PUBACKed) per publisher")
	fs.IntVar(&c.Batch, "batch", c.Batch, "PUBLISHes per write, at most")
	fs.DurationVar(&c.Drain, "drain", c.Drain, "after the window, how long to wait for PUBACKs and deliveries")
	fs.StringVar(&c.Topic, "topic", c.Topic, "topic prefix: publisher i sends to <topic>/i, the subscriber takes <topic>/#")
}

func benchFanInCmd(o *benchOptions) *cobra.Command {
	c, qos := loadgen.FanInDefaults(), 0
	cmd := &cobra.Command{
		Use:   "fanin",
		Short: "N publishers -> 1 wildcard subscriber: delivered and sent msgs/s, loss",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.QoS = mqtt.QoS(qos)
			return benchRun(cmd, o, func(ctx context.Context, t *loadgen.Target) (*loadgen.Result, error) {
				return loadgen.Publish(ctx, t, c)
			})
		},
	}
	bindPublish(cmd.Flags(), &c, &qos)
	return cmd
}

func benchLatencyCmd(o *benchOptions) *cobra.Command {
	c := loadgen.LatencyDefaults()
	qos := int(c.QoS)
	var trace string
	cmd := &cobra.Command{
		Use:   "latency",
		Short: "Publishers at a fixed total rate: publish-to-deliver latency p50/p90/p99/max",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.QoS = mqtt.QoS(qos)
			if trace != "" {
				f, err := os.Create(trace)
				if err != nil {
					return err
				}
				defer f.Close()
				c.Trace = f
			}
			return benchRun(cmd, o, func(ctx context.Context, t *loadgen.Target) (*loadgen.Result, error) {
				return loadgen.Publish(ctx, t, c)
			})
		},
	}
	bindPublish(cmd.Flags(), &c, &qos)
	cmd.Flags().StringVar(&trace, "trace", "", "write every delivery's send time and latency (ms) to this file")
	return cmd
}

func benchIdleCmd(o *benchOptions) *cobra.Command {
	c := loadgen.IdleDefaults()
	var child bool
	var offset int
	cmd := &cobra.Command{
		Use:   "idle",
		Short: "Hold K idle connections; with --broker-pid, the broker's RSS per connection",
		Long: "Open --conns connections (from the --sources addresses in turn, split over --procs processes),\n" +
			"wait --settle, read the broker's VmRSS (with --broker-pid), check every connection answers a\n" +
			"PINGREQ, hold them --hold, and close them. Each process raises its open file limit to the\n" +
			"hard limit; give more processes when one cannot hold --conns descriptors. Keep --hold under\n" +
			"1.5 times --keepalive (idle clients send nothing until the check).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if child {
				return benchIdleChild(cmd, o, c, offset)
			}
			return benchRun(cmd, o, func(ctx context.Context, t *loadgen.Target) (*loadgen.Result, error) {
				c.Spawn = func(conns, off int) *exec.Cmd {
					exe, err := os.Executable()
					if err != nil {
						exe = os.Args[0]
					}
					args := append([]string{"bench", "idle", "--child", "--conns", strconv.Itoa(conns),
						"--offset", strconv.Itoa(off), "--concurrency", strconv.Itoa(c.Concurrency)}, o.args()...)
					return exec.CommandContext(ctx, exe, args...)
				}
				return loadgen.Idle(ctx, t, c)
			})
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&c.Conns, "conns", c.Conns, "connections to open in total")
	fs.IntVar(&c.Procs, "procs", c.Procs, "generator processes to hold them")
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "connects in progress at once, per process")
	fs.DurationVar(&c.Settle, "settle", c.Settle, "wait after the last connect before reading the broker's RSS")
	fs.DurationVar(&c.Hold, "hold", c.Hold, "keep the connections open this long after measuring")
	fs.BoolVar(&child, "child", false, "run as a child of a multi-process idle run (internal)")
	fs.IntVar(&offset, "offset", 0, "first connection number of a child (internal)")
	fs.MarkHidden("child")
	fs.MarkHidden("offset")
	return cmd
}

func benchIdleChild(cmd *cobra.Command, o *benchOptions, c loadgen.IdleConfig, offset int) error {
	if _, err := loadgen.RaiseFileLimit(); err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "roost bench: raise the open file limit:", err)
	}
	t, err := o.target()
	if err != nil {
		return err
	}
	// The parent ends a child by closing its stdin; a signal only stops it.
	signal.Ignore(os.Interrupt)
	return loadgen.IdleChild(cmd.Context(), t, c.Conns, offset, c.Concurrency, os.Stdin, cmd.OutOrStdout())
}

func benchConnectCmd(o *benchOptions) *cobra.Command {
	c := loadgen.ConnectDefaults()
	cmd := &cobra.Command{
		Use:   "connect",
		Short: "mTLS connects/s: full handshake + CONNECT/CONNACK + DISCONNECT, C connectors for T seconds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchRun(cmd, o, func(ctx context.Context, t *loadgen.Target) (*loadgen.Result, error) {
				return loadgen.Connect(ctx, t, c)
			})
		},
	}
	cmd.Flags().IntVar(&c.Connectors, "connectors", c.Connectors, "connections being opened at once")
	cmd.Flags().DurationVar(&c.Duration, "duration", c.Duration, "how long to keep connecting")
	return cmd
}

func benchReportCmd() *cobra.Command {
	var subject string
	cmd := &cobra.Command{
		Use:   "report [FILE...]",
		Short: "Markdown table of JSON result lines (files or stdin), brokers side by side",
		RunE: func(cmd *cobra.Command, files []string) error {
			var all []loadgen.Result
			read := func(r io.Reader) error {
				res, err := loadgen.ReadResults(r)
				all = append(all, res...)
				return err
			}
			if len(files) == 0 {
				if err := read(cmd.InOrStdin()); err != nil {
					return err
				}
			}
			for _, name := range files {
				f, err := os.Open(name)
				if err != nil {
					return err
				}
				err = read(f)
				f.Close()
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
			return loadgen.Report(cmd.OutOrStdout(), all, subject)
		},
	}
	cmd.Flags().StringVar(&subject, "subject", "roost", "the label whose figures are checked against issue 4's targets")
	return cmd
}
