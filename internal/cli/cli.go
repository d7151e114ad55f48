// Package cli is the `roost` command tree (cobra): server, version and the
// operator verbs the AWS CLI does not cover. It parses flags and calls into
// the packages that do the work; it has no logic of its own.
package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roost-iot/roost/internal/config"
)

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Execute runs the command line and returns the process exit code.
func Execute() int {
	root := &cobra.Command{
		Use:           "roost",
		Short:         "Roost: a self-hosted device cloud that speaks AWS IoT Core's protocols and APIs",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serverCmd(), versionCmd(), adminCmd())
	root.AddCommand(benchCmd(), deviceCmd())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "roost:", err)
		return 1
	}
	return 0
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), "roost", version()) },
	}
}

// bindConfig adds the configuration flags to cmd.
func bindConfig(cmd *cobra.Command) {
	c := config.Default()
	config.Bind(cmd.Flags(), &c)
}

func loadConfig(fs *pflag.FlagSet) (config.Config, error) { return config.Load(fs, os.Getenv) }

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
