package broker

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
)

// Lifecycle events (AWS IoT "Lifecycle events"): the gateway publishes
// them like any other message, so subscribers need iot:Subscribe and
// iot:Receive on the event topics. Clients whose id holds '#' or '+' get no
// events, as in AWS.

type presenceEvent struct {
	ClientID                  string `json:"clientId"`
	Timestamp                 int64  `json:"timestamp"` // epoch milliseconds
	EventType                 string `json:"eventType"`
	SessionIdentifier         string `json:"sessionIdentifier"`
	PrincipalIdentifier       string `json:"principalIdentifier"`
	IPAddress                 string `json:"ipAddress,omitempty"`
	VersionNumber             int64  `json:"versionNumber"`
	ClientInitiatedDisconnect *bool  `json:"clientInitiatedDisconnect,omitempty"`
	DisconnectReason          string `json:"disconnectReason,omitempty"`
}

type subscriptionEvent struct {
	ClientID            string   `json:"clientId"`
	Timestamp           int64    `json:"timestamp"`
	EventType           string   `json:"eventType"`
	SessionIdentifier   string   `json:"sessionIdentifier"`
	PrincipalIdentifier string   `json:"principalIdentifier"`
	Topics              []string `json:"topics"`
}

func noEvents(clientID string) bool { return strings.ContainsAny(clientID, "#+") }

// emit publishes a server event at QoS 1.
func (b *Broker) emit(topic string, v any) {
	payload, err := json.Marshal(v)
	if err != nil {
		return
	}
	b.publish(&message{topic: topic, payload: payload, qos: mqtt.QoS1, at: time.Now()})
}

// versionFor returns the next presence version number of a client id:
// monotonic per client id, the same for a connect and its disconnect.
func (b *Broker) versionFor(clientID string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.versions[clientID]++
	return b.versions[clientID]
}

func (b *Broker) connectedEvent(c *conn) {
	if noEvents(c.id.ClientID) {
		return
	}
	b.emit("$aws/events/presence/connected/"+c.id.ClientID, presenceEvent{
		ClientID: c.id.ClientID, Timestamp: time.Now().UnixMilli(), EventType: "connected",
		SessionIdentifier: c.sessionID, PrincipalIdentifier: c.id.Principal(), IPAddress: c.id.SourceIP,
		VersionNumber: c.version,
	})
}

func (b *Broker) disconnectedEvent(c *conn, reason string) {
	if noEvents(c.id.ClientID) {
		return
	}
	if reason == "" {
		reason = "CONNECTION_LOST"
	}
	clientInitiated := reason == "CLIENT_INITIATED_DISCONNECT"
	b.emit("$aws/events/presence/disconnected/"+c.id.ClientID, presenceEvent{
		ClientID: c.id.ClientID, Timestamp: time.Now().UnixMilli(), EventType: "disconnected",
		SessionIdentifier: c.sessionID, PrincipalIdentifier: c.id.Principal(), VersionNumber: c.version,
		ClientInitiatedDisconnect: &clientInitiated, DisconnectReason: reason,
	})
}

func (b *Broker) subscriptionEvent(c *conn, kind string, topics []string) {
	if len(topics) == 0 || noEvents(c.id.ClientID) {
		return
	}
	b.emit("$aws/events/subscriptions/"+kind+"/"+c.id.ClientID, subscriptionEvent{
		ClientID: c.id.ClientID, Timestamp: time.Now().UnixMilli(), EventType: kind,
		SessionIdentifier: c.sessionID, PrincipalIdentifier: c.id.Principal(), Topics: topics,
	})
}
