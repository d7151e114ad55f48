package cli

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roost-iot/roost/internal/device"
)

// deviceCmd is the device side of Roost: what seed 000's Raspberry Pi
// scripts do, against Roost or AWS IoT Core.
func deviceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "device",
		Short: "Be a device: provision by claim, publish temperature readings, simulate a fleet",
	}
	var level string
	cmd.PersistentFlags().StringVar(&level, "log-level", "info", "log level on stderr: debug, info, warn or error")
	cmd.AddCommand(deviceProvisionCmd(&level), devicePublishCmd(&level), deviceSimulateCmd(&level))
	return cmd
}

func deviceLogger(w io.Writer, level string) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(strings.ToUpper(level)))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}

// signalContext ends on Ctrl-C or SIGTERM.
func signalContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
}

// claimFlags are how a device reaches the cloud and provisions itself.
type claimFlags struct {
	endpoint, ca, cert, key    string
	template, format, clientID string
	params                     []string
	csr                        bool
	timeout                    time.Duration
}

func (f *claimFlags) bind(fs *pflag.FlagSet) {
	fs.StringVar(&f.endpoint, "endpoint", "localhost:8883", "device endpoint, host:port of MQTT over mutual TLS")
	fs.StringVar(&f.ca, "ca", "", "CA certificate the endpoint's certificate chains to (PEM, as printed by roost admin ca)")
	fs.StringVar(&f.cert, "claim-cert", "", "claim (bootstrap) certificate shared by the fleet (PEM)")
	fs.StringVar(&f.key, "claim-key", "", "the claim certificate's private key (PEM)")
	fs.StringVar(&f.template, "template", "", "fleet provisioning template name, e.g. SensorTemplate")
	fs.StringArrayVar(&f.params, "param", nil, "template parameter KEY=VALUE (repeatable), e.g. SerialNumber=123")
	fs.BoolVar(&f.csr, "csr", false, "make the key here and send a CSR (CreateCertificateFromCsr) instead of receiving one")
	fs.StringVar(&f.format, "format", "json", "provisioning payload format: json or cbor")
	fs.StringVar(&f.clientID, "client-id", "", "client id of the claim connection (default: a random one)")
	fs.DurationVar(&f.timeout, "timeout", device.DefaultTimeout, "limit for each connect and each request")
}

// options loads the claim certificate and CA and returns the provisioning
// options and the CA's PEM (to keep beside the identity).
func (f *claimFlags) options(log *slog.Logger) (device.Options, []byte, error) {
	if f.ca == "" || f.cert == "" || f.key == "" || f.template == "" {
		return device.Options{}, nil, errors.New("--ca, --claim-cert, --claim-key and --template are required")
	}
	format, err := device.ParseFormat(f.format)
	if err != nil {
		return device.Options{}, nil, err
	}
	params, err := parseParams(f.params)
	if err != nil {
		return device.Options{}, nil, err
	}
	roots, caPEM, err := device.LoadRoots(f.ca)
	if err != nil {
		return device.Options{}, nil, err
	}
	claim, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		return device.Options{}, nil, fmt.Errorf("claim certificate: %w", err)
	}
	return device.Options{Endpoint: device.Endpoint{Addr: f.endpoint, Roots: roots}, Claim: claim,
		ClientID: f.clientID, Template: f.template, Parameters: params, CSR: f.csr, Format: format,
		Timeout: f.timeout, Log: log}, caPEM, nil
}

func parseParams(kvs []string) (map[string]string, error) {
	params := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--param %q: want KEY=VALUE", kv)
		}
		params[k] = v
	}
	return params, nil
}

func deviceProvisionCmd(level *string) *cobra.Command {
	var (
		f     claimFlags
		out   string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "provision",
		Short: "Provision this device by claim and save its identity",
		Long: "Connect with the fleet's claim certificate, obtain a certificate (CreateKeysAndCertificate,\n" +
			"or with --csr CreateCertificateFromCsr), register the thing with the template and the\n" +
			"--param values (RegisterThing), save the identity in --out, and check that it connects.\n" +
			"Prints the thing name. If --out already holds an identity, does nothing unless --force.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !force {
				c, err := device.LoadConfig(filepath.Join(out, device.ConfigFile))
				if err == nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "already provisioned as %s (%s; --force to provision again)\n", c.ThingName, out)
					fmt.Fprintln(cmd.OutOrStdout(), c.ThingName)
					return nil
				}
				if !errors.Is(err, device.ErrNotProvisioned) {
					return err
				}
			}
			o, caPEM, err := f.options(deviceLogger(cmd.ErrOrStderr(), *level))
			if err != nil {
				return err
			}
			o.Keep = func(id *device.Identity) error {
				_, err := device.Save(out, id, f.endpoint, caPEM)
				return err
			}
			ctx, stop := signalContext(cmd)
			defer stop()
			id, err := device.Provision(ctx, o)
			var step *device.StepError
			switch {
			case errors.As(err, &step) && step.Step == device.StepConnect:
				// The cloud registered it and it is saved: say so, as
				// the next run will find it.
				return fmt.Errorf("registered as %s and saved in %s, but: %w", id.ThingName, out, err)
			case id != nil && err != nil:
				return fmt.Errorf("registered as %s, but: %w", id.ThingName, err)
			case err != nil:
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), id.ThingName)
			return nil
		},
	}
	f.bind(cmd.Flags())
	cmd.Flags().StringVar(&out, "out", "device-certs", "directory for the identity: certificate.pem, private.key, ca.pem, device.json")
	cmd.Flags().BoolVar(&force, "force", false, "provision again even if --out already holds an identity")
	return cmd
}

func devicePublishCmd(level *string) *cobra.Command {
	var (
		config, topic, file string
		interval, timeout   time.Duration
		count               int
		subscribe           bool
	)
	cmd := &cobra.Command{
		Use:   "publish",
		Short: "Publish temperature readings with a provisioned identity",
		Long: "Connect as the provisioned thing (client id = thing name) and publish a JSON reading every\n" +
			"--interval to temperature/<BuildingName>/<Location>/<thing> (or --topic), simulated or\n" +
			"read from --file. Reconnects with backoff when the broker goes away. With --subscribe,\n" +
			"also prints what comes back on the topic.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := device.LoadConfig(config)
			if err != nil {
				return err
			}
			id, ep, err := c.Load()
			if err != nil {
				return err
			}
			o := device.PublishOptions{Endpoint: ep, Identity: id, Topic: topic, Interval: interval, Count: count,
				Subscribe: subscribe, Timeout: timeout, Log: deviceLogger(cmd.ErrOrStderr(), *level)}
			if file != "" {
				if o.Sensor, err = device.FileSensor(file); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			o.Sent = func(r device.Reading) {
				fmt.Fprintf(w, "published %s %.1f\n", cmp.Or(topic, id.Topic()), r.Temperature)
			}
			o.Echo = func(t string, payload []byte) { fmt.Fprintf(w, "received %s %s\n", t, payload) }
			ctx, stop := signalContext(cmd)
			defer stop()
			_, err = device.Publish(ctx, o)
			return err
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&config, "config", filepath.Join("device-certs", device.ConfigFile), "the device's device.json (written by `roost device provision`)")
	fs.StringVar(&topic, "topic", "", "topic (default temperature/<BuildingName>/<Location>/<thing name>)")
	fs.DurationVar(&interval, "interval", 5*time.Second, "time between readings")
	fs.IntVar(&count, "count", 0, "stop after this many readings (0: until interrupted)")
	fs.StringVar(&file, "file", "", "read temperatures from this file, one a line, cycling (default: simulated)")
	fs.BoolVar(&subscribe, "subscribe", false, "also subscribe to the topic and print what comes back")
	fs.DurationVar(&timeout, "timeout", device.DefaultTimeout, "limit for each connect and publish")
	return cmd
}

func deviceSimulateCmd(level *string) *cobra.Command {
	var (
		f           claimFlags
		count, conc int
		prefix, out string
		publish     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Provision a simulated fleet by claim, concurrently, and measure it",
		Long: "Provision --count devices with the claim certificate, --concurrency at a time, each with\n" +
			"its own identity: SerialNumber is --serial-prefix plus the device's index unless a\n" +
			"--param gives it, and {i} in a --param value becomes the index (Location=room{i}).\n" +
			"Prints progress on stderr and a summary: devices/s, latency of the whole flow, failures\n" +
			"by reason. With --publish the devices then publish until interrupted.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, caPEM, err := f.options(deviceLogger(cmd.ErrOrStderr(), *level))
			if err != nil {
				return err
			}
			if f.clientID != "" {
				return errors.New("--client-id: each simulated device picks its own")
			}
			ctx, stop := signalContext(cmd)
			defer stop()
			so := device.SimulateOptions{Provision: o, Count: count, Concurrency: conc, SerialPrefix: prefix,
				Dir: out, CAPEM: caPEM, Publish: publish, Progress: &device.Progress{}}
			done := showProgress(cmd.ErrOrStderr(), so.Progress, count)
			rep := device.Simulate(ctx, so)
			done()
			if err := rep.WriteSummary(cmd.OutOrStdout()); err != nil {
				return err
			}
			if rep.Failed > 0 {
				return fmt.Errorf("%d of %d devices failed", rep.Failed, count)
			}
			return nil
		},
	}
	f.bind(cmd.Flags())
	cmd.Flags().MarkHidden("client-id") // each simulated device picks its own
	fs := cmd.Flags()
	fs.IntVar(&count, "count", 10, "devices to provision")
	fs.IntVar(&conc, "concurrency", 4, "devices provisioning at once")
	fs.StringVar(&prefix, "serial-prefix", "sim-", "SerialNumber of device i is this plus i, unless --param SerialNumber=... is given")
	fs.DurationVar(&publish, "publish", 0, "after provisioning, each device publishes at this interval until interrupted")
	fs.StringVar(&out, "out", "", "save each identity in DIR/<thing name> (default: keep them in memory)")
	return cmd
}

// showProgress prints a progress line on w until the returned func is
// called: rewritten in place on a terminal, a line a second otherwise.
func showProgress(w io.Writer, p *device.Progress, total int) func() {
	term := isTerminal(w)
	every := time.Second
	if term {
		every = 200 * time.Millisecond
	}
	line := func() string {
		s := fmt.Sprintf("provisioned %d/%d, failed %d", p.Provisioned.Load(), total, p.Failed.Load())
		if n := p.Published.Load(); n > 0 {
			s += fmt.Sprintf(", published %d", n)
		}
		return s
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				if term {
					fmt.Fprintf(w, "\r%s\n", line())
				}
				return
			case <-t.C:
				if term {
					fmt.Fprintf(w, "\r%s", line())
				} else {
					fmt.Fprintln(w, line())
				}
			}
		}
	}()
	return func() { close(stop); <-stopped }
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
