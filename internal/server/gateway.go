package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/roost-iot/roost/internal/broker"
	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/pki"
	"github.com/roost-iot/roost/internal/provisioning"
	"github.com/roost-iot/roost/internal/shadow"
	"github.com/roost-iot/roost/internal/sigv4"
)

// startGateway opens the device gateway: MQTT over mutual TLS, with the
// registry's policies enforced and its changes applied to live sessions.
func (s *Server) startGateway() error {
	cert, err := tls.LoadX509KeyPair(filepath.Join(s.cfg.DataDir, serverCertFile), filepath.Join(s.cfg.DataDir, serverKeyFile))
	if err != nil {
		return fmt.Errorf("gateway tls: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(s.ca.Certificate())
	trust := broker.Trust{Roots: roots, Registered: s.registeredCert, Verified: s.verified}
	// No TCP keep-alive probes: MQTT's keep alive is the liveness check, as
	// on AWS IoT (closed after 1.5 times it, [MQTT-3.1.2-22]). Go's default
	// would probe every idle device every 15 s (a fleet of 100,000 idle
	// devices: 6,700 probes a second) and cost three setsockopt calls per
	// accept.
	tcp, err := (&net.ListenConfig{KeepAlive: -1}).Listen(context.Background(), "tcp", s.cfg.MQTTAddr)
	if err != nil {
		return fmt.Errorf("gateway listener: %w", err)
	}
	ln := broker.NewListener(tcp, broker.TLSConfig(cert, trust))
	s.mqttLn = ln
	limits := broker.AWSLimits()
	limits.MaxQoS = mqtt.QoS(s.cfg.MQTTMaxQoS)
	limits.MaxPayload = s.cfg.MQTTMaxPayload
	limits.PublishRate = s.cfg.MQTTPublishRate
	limits.MaxSubscriptions = s.cfg.MQTTMaxSubscriptions
	limits.SessionExpiry = s.cfg.MQTTSessionExpiry
	limits.IdleParkAfter = s.cfg.MQTTIdleParkAfter
	s.broker = broker.New(broker.Options{
		Authorizer:         broker.NewAuthorizer(s.reg, s.cfg.Region, s.account),
		RetainedOnWildcard: s.cfg.MQTTRetainedOnWildcard,
		Limits:             limits,
		Logger:             s.log.With("component", "gateway"),
		Store:              s.db,
	})
	s.reg.Watch(s.broker.Changed)
	if err := s.startProvisioning(); err != nil {
		return err
	}
	s.broker.ServeShadows(shadow.New(s.db, time.Now, shadow.Options{Things: shadow.ThingsFunc(s.reg.ThingExists)}))
	go s.broker.Serve(ln)
	hl, err := tls.Listen("tcp", s.cfg.HTTPSAddr, broker.HTTPSTLSConfig(cert, trust))
	if err != nil {
		return fmt.Errorf("https listener: %w", err)
	}
	s.httpsLn = hl
	presign := presigner{&sigv4.Verifier{Secret: s.secret, Regions: []string{s.cfg.Region},
		Services: []string{"iotdevicegateway", "iotdata"}}}
	s.httpsSrv = &http.Server{Handler: s.broker.HTTPSHandler(presign), ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	go s.httpsSrv.Serve(hl)
	if s.cfg.DevMQTTAddr != "" {
		dl, err := net.Listen("tcp", s.cfg.DevMQTTAddr)
		if err != nil {
			return fmt.Errorf("development mqtt listener: %w", err)
		}
		s.devLn = dl
		s.log.Warn("plain-MQTT development listener is on: no TLS, no certificates", "addr", dl.Addr().String(), "policy", s.cfg.DevMQTTPolicy)
		go s.broker.ServeDev(dl, s.cfg.DevMQTTPolicy)
	}
	return nil
}

// verifiedIssuer is the CA as the registry's issuer: each certificate it
// signs is marked verified for the gateway, which would otherwise check
// its chain to this same CA at the device's first connect (one signature
// check per provisioned device, right after RegisterThing).
type verifiedIssuer struct {
	ca       *pki.CA
	verified *broker.VerifiedCache
}

func (v verifiedIssuer) Issue(ctx context.Context, req *pki.IssueRequest) (*pki.IssueResponse, error) {
	resp, err := v.ca.Issue(ctx, req)
	if err == nil {
		v.verified.Add(resp.DER)
	}
	return resp, err
}

// presigner checks MQTT-over-WebSocket URLs signed with the API's
// credentials (signing name iotdevicegateway, as the AWS IoT Device SDKs
// use, or iotdata, as some clients do).
type presigner struct{ v *sigv4.Verifier }

func (p presigner) VerifyPresigned(r *http.Request) (string, error) {
	id, err := p.v.VerifyPresigned(r)
	if err != nil {
		return "", err
	}
	return id.AccessKeyID, nil
}

// registeredCert reports whether a certificate id is registered (for
// certificates registered without a CA, whose chain cannot be verified).
func (s *Server) registeredCert(certID string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := s.reg.DescribeCertificate(ctx, certID)
	return err == nil
}

// startProvisioning serves the fleet provisioning MQTT API on its reserved
// topics and reaps certificates never registered.
func (s *Server) startProvisioning() error {
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := provisioning.New(ctx, s.reg, s.db, s.log.With("component", "provisioning"))
	if err != nil {
		cancel()
		return err
	}
	s.stopReaper = cancel
	svc.ClaimLifetime = s.cfg.ProvisioningClaimLifetime
	s.prov = svc
	route := provisioningRoute{svc}
	s.broker.Handle("$aws/certificates/create/+", route)
	s.broker.Handle("$aws/certificates/create-from-csr/+", route)
	s.broker.Handle("$aws/provisioning-templates/+/provision/+", route)
	go svc.RunReaper(ctx, 5*time.Minute)
	return nil
}

// provisioningRoute adapts the provisioning service to a reserved-topic
// handler of the gateway.
type provisioningRoute struct{ svc *provisioning.Service }

func (p provisioningRoute) HandlePublish(ctx context.Context, r broker.Request) {
	topic, payload := p.svc.Serve(ctx, provisioning.Request{Topic: r.Topic, Payload: r.Payload, ClientID: r.ClientID, CertID: r.CertID})
	r.Reply(topic, payload)
}
