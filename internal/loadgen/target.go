package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
)

// Target is the broker under test and how to reach it.
type Target struct {
	Addr      string      // host:port of the MQTT over TLS listener
	TLS       *tls.Config // client side: CA, client certificate, server name
	Sources   []net.IP    // local addresses to connect from, in turn; none: the kernel's choice
	KeepAlive uint16      // CONNECT Keep Alive in seconds
	ClientID  string      // prefix of every client id (each connection adds its own suffix)
	// PID is the broker's process id when it runs on this machine: results
	// then carry its CPU time and, for idle connections, its RSS. 0: unknown.
	PID int

	next atomic.Uint64 // round-robin over Sources
}

// TLSOptions name the files of a mutual TLS client.
type TLSOptions struct {
	CAFile, CertFile, KeyFile string
	ServerName                string // defaults to the host of the address
	MaxVersion                uint16 // tls.VersionTLS12 or 13; 0 = 1.3
}

// NewTarget loads the CA and the client key pair for addr.
func NewTarget(addr string, o TLSOptions) (*Target, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("broker address %q: %w", addr, err)
	}
	caPEM, err := os.ReadFile(o.CAFile)
	if err != nil {
		return nil, fmt.Errorf("read CA: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", o.CAFile)
	}
	cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("client key pair: %w", err)
	}
	if o.ServerName == "" {
		o.ServerName = host
	}
	pin := &serverPin{roots: roots, name: o.ServerName}
	return &Target{
		Addr: addr,
		TLS: &tls.Config{
			Certificates: []tls.Certificate{cert}, ServerName: o.ServerName,
			MinVersion: tls.VersionTLS12, MaxVersion: o.MaxVersion,
			// A device's choice: classic ECDHE (X25519 or P-256, in Go's
			// order; no post-quantum hybrid) and no session resumption, so
			// every connect is a full handshake.
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256},
			// The server's chain is verified once, then pinned (see
			// serverPin); the handshake signature is checked every time.
			InsecureSkipVerify:    true,
			VerifyPeerCertificate: pin.verify,
		},
		KeepAlive: 300,
		ClientID:  "bench",
	}, nil
}

// serverPin verifies the broker's certificate chain against the CA the
// first time and then only compares the leaf with the one verified, so the
// generator spends its CPU on what every handshake needs rather than on
// building the same chain again (about a sixth of a client handshake).
// crypto/tls still checks the server's handshake signature with the
// leaf's key on every connection, so the server is authenticated each time.
type serverPin struct {
	roots *x509.CertPool
	name  string
	leaf  atomic.Pointer[[]byte]
}

func (p *serverPin) verify(raw [][]byte, _ [][]*x509.Certificate) error {
	if len(raw) == 0 {
		return errors.New("the server sent no certificate")
	}
	if pinned := p.leaf.Load(); pinned != nil {
		if bytes.Equal(*pinned, raw[0]) {
			return nil
		}
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, b := range raw {
		c, err := x509.ParseCertificate(b)
		if err != nil {
			return fmt.Errorf("server certificate: %w", err)
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: p.roots, Intermediates: inter, DNSName: p.name}); err != nil {
		return err
	}
	leaf := bytes.Clone(raw[0])
	p.leaf.Store(&leaf)
	return nil
}

// ParseSources reads a comma-separated list of local addresses, each an IP
// or an IPv4 range "127.0.0.2-127.0.0.9".
func ParseSources(s string) ([]net.IP, error) {
	var out []net.IP
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := netip.ParseAddr(lo)
		if err != nil {
			return nil, fmt.Errorf("source address %q: %w", part, err)
		}
		b := a
		if isRange {
			if b, err = netip.ParseAddr(hi); err != nil || !a.Is4() || !b.Is4() || b.Less(a) {
				return nil, fmt.Errorf("source range %q: want two IPv4 addresses, low-high", part)
			}
		}
		for ip := a; ; ip = ip.Next() {
			out = append(out, net.IP(ip.AsSlice()))
			if ip == b || len(out) > 1<<16 {
				break
			}
		}
	}
	return out, nil
}

// dial opens a TCP connection (from the next source address) and completes
// the TLS handshake.
func (t *Target) dial(ctx context.Context) (*tls.Conn, error) {
	d := &net.Dialer{Timeout: 15 * time.Second}
	if n := len(t.Sources); n > 0 {
		d.LocalAddr = &net.TCPAddr{IP: t.Sources[t.next.Add(1)%uint64(n)]}
	}
	c, err := (&tls.Dialer{NetDialer: d, Config: t.TLS}).DialContext(ctx, "tcp", t.Addr)
	if err != nil {
		return nil, err
	}
	return c.(*tls.Conn), nil
}

// client is one MQTT 3.1.1 connection.
type client struct {
	tc  *tls.Conn
	br  *bufio.Reader
	out []byte // packets waiting to be written
}

// errRefused is a CONNACK with a failure code.
var errRefused = errors.New("connection refused by the broker")

// open dials and connects with a clean session; readBuf sizes the reader.
func (t *Target) open(ctx context.Context, clientID string, readBuf int) (*client, error) {
	tc, err := t.dial(ctx)
	if err != nil {
		return nil, err
	}
	c := &client{tc: tc, br: bufio.NewReaderSize(tc, readBuf)}
	if err := c.connect(clientID, t.KeepAlive); err != nil {
		tc.Close()
		return nil, err
	}
	return c, nil
}

func (c *client) connect(clientID string, keepAlive uint16) error {
	cp := mqtt.Connect{Version: mqtt.V311, CleanStart: true, KeepAlive: keepAlive, ClientID: clientID}
	b, err := cp.AppendTo(nil, mqtt.V311)
	if err != nil {
		return err
	}
	c.tc.SetDeadline(time.Now().Add(15 * time.Second))
	defer c.tc.SetDeadline(time.Time{})
	if _, err := c.tc.Write(b); err != nil {
		return fmt.Errorf("write CONNECT: %w", err)
	}
	p, err := mqtt.ReadPacket(c.br, mqtt.V311, 0)
	if err != nil {
		return fmt.Errorf("read CONNACK: %w", err)
	}
	ack, ok := p.(*mqtt.Connack)
	if !ok {
		return fmt.Errorf("got %s instead of CONNACK", p.Type())
	}
	if ack.ReasonCode != mqtt.Success {
		return fmt.Errorf("%w: %s", errRefused, ack.ReasonCode)
	}
	return nil
}

// subscribe subscribes to one filter and waits for the SUBACK.
func (c *client) subscribe(filter string, qos mqtt.QoS) error {
	s := mqtt.Subscribe{PacketID: 1, Subscriptions: []mqtt.Subscription{{Filter: filter, QoS: qos}}}
	b, err := s.AppendTo(nil, mqtt.V311)
	if err != nil {
		return err
	}
	c.tc.SetDeadline(time.Now().Add(15 * time.Second))
	defer c.tc.SetDeadline(time.Time{})
	if _, err := c.tc.Write(b); err != nil {
		return fmt.Errorf("write SUBSCRIBE: %w", err)
	}
	p, err := mqtt.ReadPacket(c.br, mqtt.V311, 0)
	if err != nil {
		return fmt.Errorf("read SUBACK: %w", err)
	}
	ack, ok := p.(*mqtt.Suback)
	if !ok {
		return fmt.Errorf("got %s instead of SUBACK", p.Type())
	}
	if len(ack.ReasonCodes) != 1 || ack.ReasonCodes[0].IsError() {
		return fmt.Errorf("subscribe %q refused: %v", filter, ack.ReasonCodes)
	}
	return nil
}

var disconnectPacket = []byte{byte(mqtt.TypeDisconnect) << 4, 0}

// close sends DISCONNECT (best effort) and closes.
func (c *client) close() {
	c.tc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	c.tc.Write(disconnectPacket)
	c.tc.Close()
}
