package broker

import (
	"context"
	"strings"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/topic"
)

// Reserved topics served by Roost's services (fleet provisioning now;
// shadows and jobs later). A request published to such a topic goes to the
// service instead of to subscribers, after the usual iot:Publish check, and
// the service's answers go back only to the connection that asked, as AWS
// IoT answers the provisioning API "through the same MQTT connection".

// TopicHandler serves requests published to reserved topics. It must not
// block for long: it runs on the requesting connection's read loop.
type TopicHandler interface {
	HandlePublish(ctx context.Context, req Request)
}

// Request is one publish to a reserved topic.
type Request struct {
	Topic    string
	Payload  []byte // owned by the handler
	ClientID string
	CertID   string // the requesting certificate; "" for SigV4 or anonymous principals
	// Reply publishes an answer to the requesting connection only, if it
	// subscribed to the topic and may receive it (iot:Receive).
	Reply func(topic string, payload []byte)
}

// Match reports whether a handler serves a topic.
type route struct {
	filter string
	h      TopicHandler
}

// Handle routes every topic matching filter (MQTT wildcards, under
// "$aws/") to h. Routes are few and set at start: the table is copied on
// write so that the publish path reads it without a lock.
func (b *Broker) Handle(filter string, h TopicHandler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var table []route
	if cur := b.routes.Load(); cur != nil {
		table = append(table, *cur...)
	}
	table = append(table, route{filter: filter, h: h})
	b.routes.Store(&table)
}

// handler returns the service of a reserved topic, or nil. Only "$aws/"
// topics are looked at, so ordinary telemetry pays one prefix check.
func (b *Broker) handler(name string) TopicHandler {
	if !strings.HasPrefix(name, "$aws/") {
		return nil
	}
	table := b.routes.Load()
	if table == nil {
		return nil
	}
	for _, r := range *table {
		if topic.Match(r.filter, name) {
			return r.h
		}
	}
	return nil
}

// serveReserved hands a request to its service.
func (c *conn) serveReserved(h TopicHandler, name string, payload []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h.HandlePublish(ctx, Request{
		Topic: name, Payload: append([]byte(nil), payload...), ClientID: c.id.ClientID, CertID: c.id.CertID,
		Reply: c.reply,
	})
}

// reply delivers a service's answer to this connection alone, at the QoS of
// its subscription that matches.
func (c *conn) reply(name string, payload []byte) {
	s := c.s
	s.mu.Lock()
	qos, ok := mqtt.QoS(0), false
	for f, sub := range s.subs {
		if sub.share == "" && topic.Match(f, name) {
			qos, ok = max(qos, sub.qos), true
		}
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	m := &message{topic: name, payload: payload, qos: min(qos, mqtt.QoS1), at: time.Now()}
	s.deliver(c.b, delivery{m: m, qos: m.qos, noWait: true})
}
