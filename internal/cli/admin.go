package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/roost-iot/roost/internal/config"
	"github.com/roost-iot/roost/internal/iam"
	"github.com/roost-iot/roost/internal/store/sqlite"
)

// adminCmd holds the operator verbs that the AWS API does not cover.
// Everything else is administered through the AWS API (aws iot ...).
func adminCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Operator tasks the AWS API does not cover"}
	ca := &cobra.Command{
		Use:   "ca",
		Short: "Print the root CA certificate devices must trust (the AmazonRootCA1.pem equivalent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd.Flags())
			if err != nil {
				return err
			}
			b, err := os.ReadFile(filepath.Join(cfg.DataDir, "ca.pem"))
			if err != nil {
				return fmt.Errorf("no CA yet (has `roost server` run with this data directory?): %w", err)
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	endpoint := &cobra.Command{
		Use:   "endpoint",
		Short: "Print the device endpoint host (what DescribeEndpoint returns)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd.Flags())
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), cfg.DeviceEndpoint())
			return nil
		},
	}
	creds := &cobra.Command{Use: "credentials", Short: "Manage API credentials"}
	create := &cobra.Command{
		Use:   "create",
		Short: "Create another admin credential and print it as a shared-credentials profile",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd.Flags())
			if err != nil {
				return err
			}
			return createCredential(cmd, cfg)
		},
	}
	for _, c := range []*cobra.Command{ca, endpoint, create} {
		bindConfig(c)
	}
	creds.AddCommand(create)
	cmd.AddCommand(ca, endpoint, creds)
	return cmd
}

func createCredential(cmd *cobra.Command, cfg config.Config) error {
	path := filepath.Join(cfg.DataDir, "roost.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no store at %s (run `roost server` once first): %w", path, err)
	}
	db, err := sqlite.Open(cmd.Context(), path)
	if err != nil {
		return err
	}
	defer db.Close()
	cr, err := iam.New(db).Create(cmd.Context())
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "[roost]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = %s\n",
		cr.AccessKeyID, cr.SecretAccessKey, cfg.Region)
	return nil
}
