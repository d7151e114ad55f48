// Command mochi runs mochi-mqtt (github.com/mochi-mqtt/server/v2) as a peer
// for Roost's benchmark: one MQTT listener over mutual TLS (a client
// certificate from the given CA is required), every client allowed, the
// library's default capabilities and buffers. Its TLS settings are Roost's
// (TLS 1.2+, P-256 then X25519 key exchange), so the handshakes compare
// brokers, not configurations.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18885", "listen address")
	caFile := flag.String("ca", "", "CA that signs client certificates (PEM)")
	certFile := flag.String("cert", "", "server certificate (PEM)")
	keyFile := flag.String("key", "", "server private key (PEM)")
	flag.Parse()

	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	caPEM, err := os.ReadFile(*caFile)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		log.Fatalf("no certificate in %s", *caFile)
	}
	tlsConfig := &tls.Config{
		Certificates:     []tls.Certificate{cert},
		ClientAuth:       tls.RequireAndVerifyClientCert,
		ClientCAs:        pool,
		MinVersion:       tls.VersionTLS12,
		CurvePreferences: []tls.CurveID{tls.CurveP256, tls.X25519},
	}

	server := mqtt.New(&mqtt.Options{
		InlineClient: false,
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err := server.AddHook(new(auth.AllowHook), nil); err != nil {
		log.Fatal(err)
	}
	ln := listeners.NewTCP(listeners.Config{ID: "mtls", Address: *addr, TLSConfig: tlsConfig})
	if err := server.AddListener(ln); err != nil {
		log.Fatal(err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	if err := server.Serve(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("mochi-mqtt %s listening on %s (mutual TLS)\n", mqtt.Version, ln.Address())
	<-sigs
	server.Close()
}
