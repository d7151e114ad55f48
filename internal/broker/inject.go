package broker

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/topic"
)

// Message is an application message entering or leaving the gateway by
// another door than MQTT: the iot-data HTTP API, HTTPS publish on 8443.
type Message struct {
	Topic   string
	Payload []byte
	QoS     mqtt.QoS
	Retain  bool

	PayloadFormat   byte // MQTT 5 Payload Format Indicator: 1 = UTF-8
	ContentType     string
	ResponseTopic   string
	CorrelationData []byte
	UserProperties  []mqtt.UserProperty
	MessageExpiry   *uint32 // seconds
	UpdatedAt       time.Time
}

// ErrBadMessage wraps the reasons a message is refused (topic, size, QoS).
var ErrBadMessage = errors.New("invalid message")

// Publish sends a message from outside MQTT through the same path as an
// MQTT PUBLISH: retained when asked, fanned out with Receive checks on
// every delivery. Authorization of the sender is the caller's (SigV4 or
// the client certificate's grant).
func (b *Broker) Publish(m Message) error {
	if err := b.limits.Topic.ValidateName(m.Topic); err != nil {
		return fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	if len(m.Payload) > b.limits.MaxPayload {
		return fmt.Errorf("%w: the payload is larger than %d bytes", ErrBadMessage, b.limits.MaxPayload)
	}
	if m.QoS > 1 {
		return fmt.Errorf("%w: qos must be 0 or 1", ErrBadMessage)
	}
	if m.Retain && strings.HasPrefix(m.Topic, "$aws/") {
		return fmt.Errorf("%w: reserved topics cannot be retained", ErrBadMessage)
	}
	msg := &message{topic: m.Topic, payload: slices.Clone(m.Payload), qos: m.QoS, retain: m.Retain, at: time.Now(),
		formatIndicator: m.PayloadFormat, contentType: m.ContentType, responseTopic: m.ResponseTopic,
		correlation: m.CorrelationData, userProps: m.UserProperties}
	if m.MessageExpiry != nil {
		msg.hasExpiry, msg.expiry = true, *m.MessageExpiry
	}
	b.stats.MessagesIn.Add(1)
	if m.Retain {
		b.retain(msg)
	}
	if _, _, ingest := topic.BasicIngest(m.Topic); !ingest {
		b.publish(msg)
	}
	return nil
}

// RetainedMessage returns the retained message of a topic.
func (b *Broker) RetainedMessage(name string) (Message, bool) {
	b.mu.Lock()
	m := b.retained[name]
	b.mu.Unlock()
	if m == nil {
		return Message{}, false
	}
	return Message{Topic: m.topic, Payload: m.payload, QoS: m.qos, Retain: true, UserProperties: m.userProps,
		ContentType: m.contentType, UpdatedAt: m.at}, true
}

// RetainedInfo summarizes a retained message (ListRetainedMessages).
type RetainedInfo struct {
	Topic       string
	PayloadSize int
	QoS         mqtt.QoS
	UpdatedAt   time.Time
}

// RetainedTopics lists retained messages by topic, after the given topic,
// at most limit of them, and returns the last topic when more follow.
func (b *Broker) RetainedTopics(after string, limit int) ([]RetainedInfo, string) {
	b.mu.Lock()
	names := make([]string, 0, len(b.retained))
	for name := range b.retained {
		if name > after {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	more := len(names) > limit
	if more {
		names = names[:limit]
	}
	out := make([]RetainedInfo, len(names))
	for i, name := range names {
		m := b.retained[name]
		out[i] = RetainedInfo{Topic: name, PayloadSize: len(m.payload), QoS: m.qos, UpdatedAt: m.at}
	}
	b.mu.Unlock()
	if more {
		return out, names[len(names)-1]
	}
	return out, ""
}
