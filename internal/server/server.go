// Package server wires Roost together: configuration, then the data
// directory (store, CA, server certificate, credentials), then the services,
// then the listeners, in that order, and stops them in reverse.
//
// It holds no logic of its own beyond start-up and shutdown order; each
// piece lives in the package named after what it owns.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/roost-iot/roost/internal/api"
	"github.com/roost-iot/roost/internal/broker"
	"github.com/roost-iot/roost/internal/config"
	"github.com/roost-iot/roost/internal/gctune"
	"github.com/roost-iot/roost/internal/iam"
	"github.com/roost-iot/roost/internal/pki"
	"github.com/roost-iot/roost/internal/policy"
	"github.com/roost-iot/roost/internal/provisioning"
	"github.com/roost-iot/roost/internal/registry"
	"github.com/roost-iot/roost/internal/sigv4"
	"github.com/roost-iot/roost/internal/store/sqlite"
)

// Server is a running Roost.
type Server struct {
	cfg  config.Config
	log  *slog.Logger
	db   *sqlite.DB
	ca   *pki.CA
	keys *pki.KeyPool
	// verified is the gateway's cache of client certificates whose chain
	// verified; certificates the CA issues go in as they are made.
	verified *broker.VerifiedCache
	creds    *iam.Credentials
	admin    iam.Credential
	account  string
	reg      *registry.Service
	fresh    bool // the data directory was created by this start

	apiLn    net.Listener
	apiSrv   *http.Server
	mqttLn   net.Listener
	httpsLn  net.Listener
	devLn    net.Listener
	httpsSrv *http.Server
	debugSrv *http.Server // --debug-addr, nil when off
	broker   *broker.Broker
	prov     *provisioning.Service

	stopReaper context.CancelFunc
	stopMemory context.CancelFunc // ends trimMemory and gctune.Run
	done       chan error
}

// Open prepares the data directory and the services without listening.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, done: make(chan error, 1)}
	if err := s.openDataDir(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.verified = &broker.VerifiedCache{}
	s.reg = registry.New(registry.Options{
		Store: s.db, Region: cfg.Region, Account: s.account, Issuer: verifiedIssuer{s.ca, s.verified}, CAPEM: s.ca.CertPEM(),
		ValidatePolicy: func(doc []byte) error { _, err := policy.Parse(doc); return err },
	})
	return s, nil
}

func (s *Server) openDataDir(ctx context.Context) error {
	dir := s.cfg.DataDir
	s.fresh = !exists(filepath.Join(dir, dbFile))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, dbFile))
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	s.db = db
	now := time.Now()
	if s.ca, _, err = loadOrCreateCA(dir, now); err != nil {
		return err
	}
	s.keys = pki.NewKeyPool(8)
	s.keys.Arm() // started by the first server-made key
	s.ca.UseKeyPool(s.keys)
	if err := ensureServerCert(dir, s.ca, s.cfg.Hosts, now); err != nil {
		return err
	}
	if s.account, err = accountID(ctx, s.db, s.cfg.AccountID, s.log); err != nil {
		return fmt.Errorf("account id: %w", err)
	}
	s.creds = iam.New(s.db)
	if s.admin, err = adminCredential(ctx, s.db, s.creds, &s.cfg); err != nil {
		return fmt.Errorf("admin credentials: %w", err)
	}
	return nil
}

// Start opens the listeners and serves until ctx ends or Close is called.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.APIAddr)
	if err != nil {
		return fmt.Errorf("api listener: %w", err)
	}
	if s.cfg.APITLS {
		cert, err := tls.LoadX509KeyPair(filepath.Join(s.cfg.DataDir, serverCertFile), filepath.Join(s.cfg.DataDir, serverKeyFile))
		if err != nil {
			ln.Close()
			return fmt.Errorf("api tls: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	s.apiLn = ln
	if err := s.startDebug(); err != nil {
		ln.Close()
		return fmt.Errorf("debug listener: %w", err)
	}
	if err := s.startGateway(); err != nil {
		ln.Close()
		if s.debugSrv != nil {
			s.debugSrv.Close()
		}
		return err
	}
	verifier := &sigv4.Verifier{Secret: s.secret, Regions: []string{s.cfg.Region}}
	handler := api.New(api.Options{Registry: s.reg, Gateway: s.broker, Claims: s.prov, Auth: authenticator{verifier}, Endpoint: s.cfg.DeviceEndpoint(), Logger: s.log})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler(s.broker.Stats())) // unsigned, for scrapers; the API is loopback by default
	mux.Handle("/", handler)
	s.apiSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	if err := writeCredentialsFile(s.cfg.DataDir, s.admin, s.cfg.Region, s.APIURL()); err != nil {
		return fmt.Errorf("write credentials file: %w", err)
	}
	s.startMemoryTuning()
	go func() { s.done <- s.apiSrv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		s.Close()
	}()
	return nil
}

// startMemoryTuning runs the process's heap housekeeping until Close: the
// GC tuning of a small, busy heap (package gctune) and the trim of an idle
// one (memtrim.go).
func (s *Server) startMemoryTuning() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopMemory = cancel
	go trimMemory(ctx)
	go gctune.Run(ctx)
}

func (s *Server) secret(keyID string) (string, bool) {
	secret, ok, err := s.creds.Secret(context.Background(), keyID)
	if err != nil {
		s.log.Error("credential lookup failed", "err", err)
	}
	return secret, ok
}

// Wait blocks until the server stops and returns why, nil on Close.
func (s *Server) Wait() error {
	err := <-s.done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the listeners, then the services, then the store.
func (s *Server) Close() error {
	var errs []error
	if s.stopReaper != nil {
		s.stopReaper()
	}
	if s.stopMemory != nil {
		s.stopMemory()
	}
	if s.httpsSrv != nil {
		errs = append(errs, s.httpsSrv.Close())
	}
	if s.debugSrv != nil {
		errs = append(errs, s.debugSrv.Close())
	}
	if s.broker != nil {
		errs = append(errs, s.broker.Close())
	}
	if s.apiSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, s.apiSrv.Shutdown(ctx))
		cancel()
	}
	if s.keys != nil {
		s.keys.Stop()
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
		s.db = nil
	}
	return errors.Join(errs...)
}

// APIURL is the URL local clients use for the API.
func (s *Server) APIURL() string { return apiURL(s.apiLn.Addr(), s.cfg.APITLS) }

// Admin is the admin credential.
func (s *Server) Admin() iam.Credential { return s.admin }

// MQTTAddr is the device gateway's listening address.
func (s *Server) MQTTAddr() string { return s.mqttLn.Addr().String() }

// DevMQTTAddr is the development listener's address, "" when off.
func (s *Server) DevMQTTAddr() string {
	if s.devLn == nil {
		return ""
	}
	return s.devLn.Addr().String()
}

// HTTPSAddr is the HTTPS device data plane's listening address.
func (s *Server) HTTPSAddr() string { return s.httpsLn.Addr().String() }

// Broker is the device gateway.
func (s *Server) Broker() *broker.Broker { return s.broker }

// Account is the account id used in ARNs.
func (s *Server) Account() string { return s.account }

// Registry is the registry service.
func (s *Server) Registry() *registry.Service { return s.reg }

// PrintBanner tells a user what they need to start: endpoints, where the
// CA and credentials are, and a first command to try.
func (s *Server) PrintBanner(w io.Writer, version string) {
	dir := s.cfg.DataDir
	var b strings.Builder
	fmt.Fprintf(&b, "Roost %s is running", version)
	if s.fresh {
		fmt.Fprintf(&b, " (first start: created %s)", dir)
	}
	fmt.Fprintf(&b, "\n  API (AWS iot + iot-data): %s   region %s, account %s\n", s.APIURL(), s.cfg.Region, s.account)
	fmt.Fprintf(&b, "  Device endpoint:          %s (MQTT over mutual TLS on %s)\n", s.cfg.DeviceEndpoint(), s.mqttLn.Addr())
	fmt.Fprintf(&b, "  HTTPS publish (client cert): https://%s:%s/topics/<topic>\n", s.cfg.DeviceEndpoint(), portOf(s.httpsLn.Addr()))
	if s.devLn != nil {
		fmt.Fprintf(&b, "  Development MQTT (plain, policy %s): %s\n", s.cfg.DevMQTTPolicy, s.devLn.Addr())
	}
	fmt.Fprintf(&b, "  Root CA for devices:      %s\n", filepath.Join(dir, caCertFile))
	fmt.Fprintf(&b, "  Admin credentials:        %s (access key %s)\n", filepath.Join(dir, credentialsFile), s.admin.AccessKeyID)
	fmt.Fprintf(&b, "  Try: AWS_SHARED_CREDENTIALS_FILE=%s aws --endpoint-url %s iot list-things\n",
		filepath.Join(dir, credentialsFile), s.APIURL())
	io.WriteString(w, b.String())
}

// authenticator adapts the SigV4 verifier to the API's interface and its
// errors to AWS's shape.
type authenticator struct{ v *sigv4.Verifier }

func (a authenticator) Authenticate(r *http.Request, body []byte) (string, error) {
	id, err := a.v.Verify(r, body)
	var se *sigv4.Error
	if errors.As(err, &se) {
		return "", &api.Error{Code: se.Code, Status: se.Status, Message: se.Message}
	}
	if err != nil {
		return "", err
	}
	return id.Service, nil
}

func portOf(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return port
}
