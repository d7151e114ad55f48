package broker

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/pki"
	"github.com/roost-iot/roost/internal/policy"
)

// The HTTPS device data plane (AWS: port 8443, or 443 with ALPN
// x-amzn-http-ca): a device publishes with its client certificate,
// authorized by that certificate's policies. HTTP has no client id, so
// thing policy variables do not resolve (AWS resolves them for MQTT only).

// HTTPSTLSConfig is the TLS side of the HTTPS port, which serves both
// doors AWS serves on 443: HTTPS publish with a client certificate, and
// MQTT over WebSocket signed with SigV4 (no client certificate). So a
// certificate is optional here, but one that is sent must be trusted; the
// handlers require what their door needs.
func HTTPSTLSConfig(server tls.Certificate, trust Trust) *tls.Config {
	c := TLSConfig(server, trust)
	c.NextProtos = []string{"x-amzn-http-ca", "http/1.1"}
	c.ClientAuth = tls.RequestClientCert
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return nil
		}
		return trust.verify(cs)
	}
	return c
}

// HTTPSHandler serves POST /topics/<topic>?qos=0|1&retain=true|false and,
// when p is not nil, MQTT over WebSocket on GET /mqtt.
func (b *Broker) HTTPSHandler(p Presigner) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /topics/{topic...}", b.httpsPublish)
	for _, m := range []string{"GET", "POST", "DELETE"} {
		mux.HandleFunc(m+" /things/{thing}/shadow", b.httpsShadow)
	}
	if p != nil {
		mux.Handle("GET /mqtt", b.WebSocketHandler(p))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpsReply(w, http.StatusNotFound, "Not Found")
	})
	return mux
}

// httpsReply writes AWS's HTTPS publish answer: {"message":…,"traceId":…}.
func httpsReply(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg, "traceId": uuid.NewString()})
}

func (b *Broker) httpsPublish(w http.ResponseWriter, r *http.Request) {
	g, ok := b.httpsGrant(w, r)
	if !ok {
		return
	}
	name := r.PathValue("topic")
	q := r.URL.Query()
	qos, err := strconv.Atoi(q.Get("qos"))
	if q.Get("qos") == "" {
		qos, err = 0, nil
	}
	retain, rerr := strconv.ParseBool(q.Get("retain"))
	if q.Get("retain") == "" {
		retain, rerr = false, nil
	}
	if err != nil || rerr != nil || qos < 0 || qos > 1 {
		httpsReply(w, http.StatusBadRequest, "qos must be 0 or 1 and retain true or false")
		return
	}
	if !g.Allow(policy.Publish, policy.KindTopic, name) ||
		(retain && !g.Allow(policy.RetainPublish, policy.KindTopic, name)) {
		b.stats.PublishDenied.Add(1)
		httpsReply(w, http.StatusForbidden, "Forbidden")
		return
	}
	payload, err := readAll(r, b.limits.MaxPayload)
	if err != nil {
		httpsReply(w, http.StatusRequestEntityTooLarge, "The payload exceeds the maximum size allowed")
		return
	}
	if err := b.Publish(Message{Topic: name, Payload: payload, QoS: mqtt.QoS(qos), Retain: retain}); err != nil {
		httpsReply(w, http.StatusBadRequest, err.Error())
		return
	}
	httpsReply(w, http.StatusOK, "OK")
}

// httpsGrant authorizes the request's client certificate.
func (b *Broker) httpsGrant(w http.ResponseWriter, r *http.Request) (*Grant, bool) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		httpsReply(w, http.StatusUnauthorized, "Unauthorized")
		return nil, false
	}
	cert := r.TLS.PeerCertificates[0]
	id := Identity{CertID: pki.CertificateID(cert.Raw), Cert: cert}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		id.SourceIP = host
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	g, err := b.auth.Grant(ctx, id)
	if errors.Is(err, ErrUnknownCertificate) || errors.Is(err, ErrInactive) {
		b.stats.ConnectDenied.Add(1)
		httpsReply(w, http.StatusForbidden, "Forbidden")
		return nil, false
	}
	if err != nil {
		b.log.Error("https publish: authorize", "err", err)
		httpsReply(w, http.StatusInternalServerError, "Internal Server Error")
		return nil, false
	}
	return g, true
}

// readAll reads a request body of at most max bytes.
func readAll(r *http.Request, max int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, int64(max)+1))
	if err == nil && len(b) > max {
		err = errors.New("request body too large")
	}
	return b, err
}
