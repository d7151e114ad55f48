package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/roost-iot/roost/internal/config"
	"github.com/roost-iot/roost/internal/iam"
	"github.com/roost-iot/roost/internal/pki"
	"github.com/roost-iot/roost/internal/store"
)

// Files in the data directory.
const (
	dbFile          = "roost.db"
	caCertFile      = "ca.pem" // the AmazonRootCA1.pem equivalent devices trust
	caKeyFile       = "ca.key"
	serverCertFile  = "server.pem"
	serverKeyFile   = "server.key"
	credentialsFile = "credentials" // AWS CLI shared-credentials format
)

const (
	metaAccount  = "account-id"
	metaAdminKey = "admin-access-key-id"
)

// writeFile writes atomically (temp file + rename) with the given mode, so
// a crash never leaves a half-written key or certificate.
func writeFile(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// loadOrCreateCA returns the root CA, creating it on first start.
func loadOrCreateCA(dir string, now time.Time) (ca *pki.CA, created bool, err error) {
	certPath, keyPath := filepath.Join(dir, caCertFile), filepath.Join(dir, caKeyFile)
	if exists(certPath) || exists(keyPath) {
		certPEM, err1 := os.ReadFile(certPath)
		keyPEM, err2 := os.ReadFile(keyPath)
		if err := errors.Join(err1, err2); err != nil {
			return nil, false, fmt.Errorf("read CA: %w", err)
		}
		ca, err := pki.LoadCA(certPEM, keyPEM)
		if err != nil {
			return nil, false, fmt.Errorf("load CA from %s: %w", dir, err)
		}
		return ca, false, nil
	}
	ca, err = pki.NewCA("Roost Root CA", now)
	if err != nil {
		return nil, false, fmt.Errorf("create CA: %w", err)
	}
	if err := writeFile(keyPath, ca.KeyPEM(), 0o600); err != nil {
		return nil, false, fmt.Errorf("write CA key: %w", err)
	}
	if err := writeFile(certPath, ca.CertPEM(), 0o644); err != nil {
		return nil, false, fmt.Errorf("write CA: %w", err)
	}
	return ca, true, nil
}

// ensureServerCert issues the server certificate when missing, expiring
// soon, or not covering the configured hosts; otherwise it is reused.
func ensureServerCert(dir string, ca *pki.CA, hosts []string, now time.Time) error {
	certPath, keyPath := filepath.Join(dir, serverCertFile), filepath.Join(dir, serverKeyFile)
	if cur, err := os.ReadFile(certPath); err == nil && exists(keyPath) && ca.ServerCertCovers(cur, hosts, now) {
		return nil
	}
	certPEM, keyPEM, err := ca.IssueServer(hosts, now)
	if err != nil {
		return fmt.Errorf("issue server certificate: %w", err)
	}
	if err := writeFile(keyPath, keyPEM, 0o600); err != nil {
		return fmt.Errorf("write server key: %w", err)
	}
	return writeFile(certPath, certPEM, 0o644)
}

// accountID returns the installation's account id: the configured one,
// which is then recorded, else the recorded one, else one generated and
// recorded on first start. Recording a configured id matters: policies
// name the account in their ARNs, so a later start without the flag must
// not invent another (every device would be refused).
func accountID(ctx context.Context, st store.Store, configured string, log *slog.Logger) (string, error) {
	var id string
	err := st.Update(ctx, func(tx store.Tx) error {
		v, err := tx.Meta().Get(ctx, metaAccount)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		switch {
		case configured != "" && v != "" && v != configured:
			log.Warn("the account id differs from the one this data directory was used with: ARNs in existing policies keep the old one",
				"configured", configured, "recorded", v)
			id = configured
		case configured != "":
			id = configured
		case v != "":
			id = v
			return nil
		default:
			n, err := rand.Int(rand.Reader, big.NewInt(9e11))
			if err != nil {
				return err
			}
			id = fmt.Sprintf("%012d", n.Int64()+1e11) // 12 digits, no leading zero
		}
		return tx.Meta().Put(ctx, metaAccount, id)
	})
	return id, err
}

// adminCredential returns the admin credential: the configured one, or the
// one generated on first start. It is stored so that SigV4 can verify it.
func adminCredential(ctx context.Context, st store.Store, creds *iam.Credentials, cfg *config.Config) (iam.Credential, error) {
	if cfg.AccessKeyID != "" {
		cr := iam.Credential{AccessKeyID: cfg.AccessKeyID, SecretAccessKey: cfg.SecretAccessKey}
		return cr, creds.Put(ctx, cr)
	}
	var keyID string
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		keyID, err = tx.Meta().Get(ctx, metaAdminKey)
		return err
	})
	if err == nil {
		secret, ok, err := creds.Secret(ctx, keyID)
		if err != nil || !ok {
			return iam.Credential{}, fmt.Errorf("admin credential %s is missing from the store: %v", keyID, err)
		}
		return iam.Credential{AccessKeyID: keyID, SecretAccessKey: secret}, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return iam.Credential{}, err
	}
	cr, err := creds.Create(ctx)
	if err != nil {
		return cr, err
	}
	err = st.Update(ctx, func(tx store.Tx) error { return tx.Meta().Put(ctx, metaAdminKey, cr.AccessKeyID) })
	return cr, err
}

// writeCredentialsFile writes the admin credential in the AWS CLI's
// shared-credentials format. botocore merges this file's profiles into its
// config, so region and endpoint_url here are honoured too.
func writeCredentialsFile(dir string, cr iam.Credential, region, apiURL string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Roost admin credentials. Use with:\n")
	fmt.Fprintf(&b, "#   AWS_SHARED_CREDENTIALS_FILE=%s aws --endpoint-url %s iot list-things\n",
		filepath.Join(dir, credentialsFile), apiURL)
	fmt.Fprintf(&b, "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = %s\nendpoint_url = %s\n",
		cr.AccessKeyID, cr.SecretAccessKey, region, apiURL)
	return writeFile(filepath.Join(dir, credentialsFile), []byte(b.String()), 0o600)
}

// apiURL is the URL a local client uses to reach the API listener.
func apiURL(addr net.Addr, tls bool) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
