package broker

import (
	"errors"

	"github.com/roost-iot/roost/internal/mqtt"
)

// ErrNotConnected is Disconnect's answer for a client id that has no live
// connection (AWS DeleteConnection: ResourceNotFoundException).
var ErrNotConnected = errors.New("no connected client has this client id")

// Disconnect is AWS IoT's DeleteConnection (iot-data): it ends the live
// connection of clientID as AWS does, with a DISCONNECT carrying 0x98
// Administrative action to a 5.0 client (3.1.1 has no server DISCONNECT),
// and the lifecycle event's disconnectReason API_INITIATED_DISCONNECT.
// preventWill discards the connection's will; cleanSession discards a
// persistent session with it (a clean session ends with the connection
// anyway: AWS ignores the flag for those).
func (b *Broker) Disconnect(clientID string, cleanSession, preventWill bool) error {
	b.mu.Lock()
	s := b.sessions[clientID]
	var c *conn
	var dropStored bool
	if s != nil {
		s.mu.Lock()
		if c = s.conn; c != nil && cleanSession {
			// detach then drops the session; its stored row goes now.
			dropStored = s.persistent
			s.persistent = false
		}
		s.mu.Unlock()
	}
	b.mu.Unlock()
	if c == nil {
		return ErrNotConnected
	}
	if dropStored {
		b.deleteSession(clientID)
	}
	if preventWill {
		c.will.Store(nil)
	}
	c.kick(mqtt.AdministrativeAction, "API_INITIATED_DISCONNECT")
	return nil
}
