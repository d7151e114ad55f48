// Package roosttest starts a whole Roost server for tests, like httptest:
// a temporary data directory (so a CA made at test time), the API on a
// loopback port chosen by the kernel, fixed admin credentials, region
// us-east-1 and account 123456789012, and clients pointed at it.
//
// It is for tests only; nothing in the binary imports it.
package roosttest

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"github.com/roost-iot/roost/internal/config"
	"github.com/roost-iot/roost/internal/server"
)

// Fixed test identity, as AWS test suites use.
const (
	AccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	SecretAccessKey = "wJalrXUtnFEMIbEXAMPLEKEYwJalrXUtnFEMIbEX"
	Region          = "us-east-1"
	Account         = "123456789012"
)

// Instance is a running server.
type Instance struct {
	t      testing.TB
	Config config.Config
	Server *server.Server
	URL    string
}

// StartServer starts a server in t.TempDir() and stops it when t ends.
// mod, if given, adjusts the configuration first.
func StartServer(t testing.TB, mod ...func(*config.Config)) *Instance {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.APIAddr = "127.0.0.1:0"
	cfg.MQTTAddr = "127.0.0.1:0"
	cfg.HTTPSAddr = "127.0.0.1:0"
	cfg.Hosts = []string{"localhost", "127.0.0.1", "::1"}
	cfg.Region, cfg.AccountID = Region, Account
	cfg.AccessKeyID, cfg.SecretAccessKey = AccessKeyID, SecretAccessKey
	for _, m := range mod {
		m(&cfg)
	}
	in := &Instance{t: t, Config: cfg}
	in.start()
	t.Cleanup(func() { in.Server.Close() })
	return in
}

func (in *Instance) start() {
	in.t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := server.Open(context.Background(), in.Config, log)
	if err != nil {
		in.t.Fatalf("roosttest: open server: %v", err)
	}
	if err := s.Start(context.Background()); err != nil {
		s.Close()
		in.t.Fatalf("roosttest: start server: %v", err)
	}
	in.Server, in.URL = s, s.APIURL()
}

// Restart stops the server and starts it again on the same data directory
// (the API port may change: make new clients afterwards).
func (in *Instance) Restart() {
	in.t.Helper()
	if err := in.Server.Close(); err != nil {
		in.t.Fatalf("roosttest: close: %v", err)
	}
	in.start()
}

// IoT returns an AWS SDK for Go v2 iot client signed with the admin
// credentials.
func (in *Instance) IoT() *iot.Client {
	return in.IoTWith(AccessKeyID, SecretAccessKey)
}

// IoTWith returns an iot client signed with the given credentials.
func (in *Instance) IoTWith(keyID, secret string) *iot.Client {
	return iot.New(iot.Options{
		Region:       Region,
		BaseEndpoint: aws.String(in.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, Source: "roosttest"}, nil
		}),
		RetryMaxAttempts: 1,
	})
}
