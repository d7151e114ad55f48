package broker

import (
	"context"
	"net"
	"net/http"

	"github.com/coder/websocket"
)

// MQTT over WebSocket (AWS: wss://<endpoint>/mqtt with a SigV4-presigned
// URL, subprotocol "mqtt"). The URL's signature is checked before the
// upgrade; the connection then runs the same MQTT session and the same
// authorization points as a TLS device connection, with the signer as the
// principal.

// Presigner verifies a presigned request and returns the access key id
// that signed it. sigv4.Verifier.VerifyPresigned backs it.
type Presigner interface {
	VerifyPresigned(r *http.Request) (accessKeyID string, err error)
}

// WebSocketHandler serves GET /mqtt.
func (b *Broker) WebSocketHandler(p Presigner) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /mqtt", func(w http.ResponseWriter, r *http.Request) {
		keyID, err := p.VerifyPresigned(r)
		if err != nil {
			b.stats.ConnectDenied.Add(1)
			b.log.Debug("websocket: presigned URL refused", "remote", r.RemoteAddr, "err", err)
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"mqtt"}})
		if err != nil {
			return // Accept has answered the client
		}
		if ws.Subprotocol() != "mqtt" {
			ws.Close(websocket.StatusPolicyViolation, "the mqtt subprotocol is required")
			return
		}
		ws.SetReadLimit(int64(b.limits.maxPacket()) + 1024)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		nc := websocket.NetConn(ctx, ws, websocket.MessageBinary)
		peer := Identity{AccessKeyID: keyID}
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			peer.SourceIP = host
		}
		b.ServeConn(nc, peer)
	})
	return mux
}
