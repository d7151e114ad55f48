// Package device is Roost's Go device client: what a Raspberry Pi running
// seed 000's scripts does, as a library. It provisions an identity by claim
// over the AWS IoT fleet provisioning MQTT API (CreateKeysAndCertificate or
// CreateCertificateFromCsr, then RegisterThing), keeps that identity in a
// directory (device.json beside the certificate and key), and publishes
// temperature readings with it, reconnecting with backoff when the broker
// goes away. Simulate provisions many devices at once and measures the flow.
//
// It speaks MQTT 3.1.1 over mutual TLS through Paho, as a device would, and
// imports nothing of the server: it works against Roost or AWS IoT Core
// alike. It does not administer the cloud side (policies, templates, claim
// certificates): that is the AWS API's job.
package device

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// DefaultTimeout bounds each request to the cloud: a connect, or one
// provisioning request and its answer.
const DefaultTimeout = 10 * time.Second

// Endpoint is where devices connect and the CA they trust.
type Endpoint struct {
	Addr  string         // host:port of MQTT over mutual TLS (8883)
	Roots *x509.CertPool // CAs that may sign the server's certificate
}

// LoadRoots reads a PEM file of CA certificates.
func LoadRoots(path string) (*x509.CertPool, []byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read CA: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(b) {
		return nil, nil, fmt.Errorf("CA %s: no PEM certificate in it", path)
	}
	return roots, b, nil
}

// Conn is one MQTT connection of a device. Paho's own reconnect is off:
// callers that want to ride out outages dial again (Publish does, with
// jittered backoff), so that a reconnect storm after a broker restart is
// spread out.
type Conn struct {
	c    paho.Client
	lost chan struct{} // closed when the connection drops
	err  error         // why; set before lost is closed
	once sync.Once
}

// Dial connects with a client certificate and waits for the CONNACK.
func Dial(ctx context.Context, ep Endpoint, cert tls.Certificate, clientID string) (*Conn, error) {
	host, _, err := net.SplitHostPort(ep.Addr)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", ep.Addr, err)
	}
	conn := &Conn{lost: make(chan struct{})}
	timeout := DefaultTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(d), time.Millisecond)
	}
	tc := &tls.Config{RootCAs: ep.Roots, Certificates: []tls.Certificate{cert}, ServerName: host,
		MinVersion: tls.VersionTLS12}
	opts := paho.NewClientOptions().AddBroker("ssl://" + ep.Addr).SetClientID(clientID).SetTLSConfig(tc).
		SetProtocolVersion(4). // 3.1.1 only: no silent fallback to 3.1 when refused
		SetCleanSession(true).SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(timeout).SetKeepAlive(30 * time.Second).SetOrderMatters(false).
		SetConnectionLostHandler(func(_ paho.Client, err error) { conn.drop(err) })
	conn.c = paho.NewClient(opts)
	if err := wait(ctx, conn.c.Connect()); err != nil {
		conn.c.Disconnect(0)
		return nil, fmt.Errorf("connect to %s as %q: %w", ep.Addr, clientID, err)
	}
	return conn, nil
}

func (c *Conn) drop(err error) {
	c.once.Do(func() {
		if err == nil {
			err = errors.New("connection closed")
		}
		c.err = err
		close(c.lost)
	})
}

// Lost is closed when the connection drops (the broker closed it, or the
// network went away); Err then says why.
func (c *Conn) Lost() <-chan struct{} { return c.lost }

// Err is why the connection dropped, once Lost is closed.
func (c *Conn) Err() error {
	select {
	case <-c.lost:
		return c.err
	default:
		return nil
	}
}

// Close disconnects cleanly, giving in-flight work a moment to finish.
func (c *Conn) Close() {
	c.c.Disconnect(250)
	c.drop(errors.New("closed"))
}

// Publish sends at QoS 1 and waits for the PUBACK.
func (c *Conn) Publish(ctx context.Context, topic string, payload []byte) error {
	if err := c.waitOrLost(ctx, c.c.Publish(topic, 1, false, payload)); err != nil {
		return fmt.Errorf("publish %s: %w", topic, err)
	}
	return nil
}

// Subscribe subscribes at QoS 1 to each filter; a filter the broker refuses
// (SUBACK 0x80, as AWS IoT answers a policy that does not allow it) is an
// error.
func (c *Conn) Subscribe(ctx context.Context, handle func(topic string, payload []byte), filters ...string) error {
	want := make(map[string]byte, len(filters))
	for _, f := range filters {
		want[f] = 1
	}
	tok := c.c.SubscribeMultiple(want, func(_ paho.Client, m paho.Message) { handle(m.Topic(), m.Payload()) })
	if err := c.waitOrLost(ctx, tok); err != nil {
		return fmt.Errorf("subscribe %v: %w", filters, err)
	}
	for f, qos := range tok.(*paho.SubscribeToken).Result() {
		if qos == 0x80 {
			return fmt.Errorf("subscribe %s: %w", f, ErrSubscribeRefused)
		}
	}
	return nil
}

// ErrSubscribeRefused is a SUBACK failure: the device's policy does not
// allow the filter (iot:Subscribe).
var ErrSubscribeRefused = errors.New("subscription refused by the broker (not authorized?)")

// waitOrLost waits for a token, and fails early when the connection drops
// (a 3.1.1 broker answers an unauthorized PUBLISH by closing it).
func (c *Conn) waitOrLost(ctx context.Context, tok paho.Token) error {
	select {
	case <-tok.Done():
		err := tok.Error()
		if err != nil && !c.c.IsConnectionOpen() {
			// Paho fails the tokens of a dropped connection before it
			// calls the connection-lost handler.
			c.drop(err)
			return fmt.Errorf("%w: %w", ErrConnectionLost, err)
		}
		return err
	case <-c.lost:
		return fmt.Errorf("%w: %w", ErrConnectionLost, c.err)
	case <-ctx.Done():
		return ctxErr(ctx)
	}
}

// wait waits for a token or the context.
func wait(ctx context.Context, tok paho.Token) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctxErr(ctx)
	}
}

// ctxErr is why ctx ended; a deadline is ErrTimeout.
func ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
	return ctx.Err()
}
