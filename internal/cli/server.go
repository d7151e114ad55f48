package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/roost-iot/roost/internal/server"
)

func serverCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run Roost (creates ./roost-data on first start)",
		Long: "Run Roost: the AWS-compatible API and the device registry.\n\n" +
			"Every flag can also be set with a ROOST_* environment variable (--data-dir is ROOST_DATA_DIR)\n" +
			"or in the YAML file named by --config.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd.Flags())
			if err != nil {
				return err
			}
			log := newLogger(cfg, os.Stderr)
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			s, err := server.Open(ctx, cfg, log)
			if err != nil {
				return err
			}
			if err := s.Start(ctx); err != nil {
				s.Close()
				return err
			}
			s.PrintBanner(cmd.OutOrStdout(), version())
			err = s.Wait()
			log.Info("roost stopped")
			return err
		},
	}
	bindConfig(cmd)
	return cmd
}
