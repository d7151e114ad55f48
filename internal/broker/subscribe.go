package broker

import (
	"strings"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/policy"
	"github.com/roost-iot/roost/internal/topic"
)

// onSubscribe checks and adds each filter, answers with one reason code
// per filter in order [MQTT-3.8.4-6], then sends the retained messages the
// new subscriptions ask for.
func (c *conn) onSubscribe(p *mqtt.Subscribe) {
	codes := make([]mqtt.ReasonCode, len(p.Subscriptions))
	var retainedFor []*subscription
	for i := range p.Subscriptions {
		sub, isNew, code := c.subscribeOne(&p.Subscriptions[i], p.SubscriptionIdentifier, i)
		if code == mqtt.ProtocolError {
			c.kick(mqtt.ProtocolError, "CLIENT_ERROR") // a Protocol Error ends the connection [MQTT-4.13.1-1]
			return
		}
		codes[i] = code
		if sub != nil && wantsRetained(sub, isNew, p.Subscriptions[i].RetainHandling) {
			retainedFor = append(retainedFor, sub)
		}
	}
	c.send(&mqtt.Suback{PacketID: p.PacketID, ReasonCodes: codes})
	for _, sub := range retainedFor {
		c.b.sendRetained(sub)
	}
	var granted []string
	for i, code := range codes {
		if !code.IsError() {
			granted = append(granted, p.Subscriptions[i].Filter)
		}
	}
	c.b.subscriptionEvent(c, "subscribed", granted)
}

// wantsRetained applies Retain Handling [MQTT-3.3.1-9..11]; shared
// subscriptions never get retained messages [MQTT-3.8.4-?/§4.8.2].
func wantsRetained(sub *subscription, isNew bool, handling byte) bool {
	if sub.share != "" {
		return false
	}
	return handling == 0 || (handling == 1 && isNew)
}

func (c *conn) subscribeOne(r *mqtt.Subscription, subID uint32, i int) (*subscription, bool, mqtt.ReasonCode) {
	l := c.b.limits
	if i >= l.MaxFiltersPerPacket {
		return nil, false, mqtt.QuotaExceeded
	}
	share, inner := "", r.Filter
	if strings.HasPrefix(r.Filter, "$share/") {
		var err error
		if share, inner, err = topic.ParseShared(r.Filter); err != nil {
			return nil, false, mqtt.TopicFilterInvalid
		}
		if r.NoLocal {
			return nil, false, mqtt.ProtocolError // No Local on a shared subscription [MQTT-3.8.3-4]
		}
	}
	if l.Topic.ValidateFilter(r.Filter) != nil {
		return nil, false, mqtt.TopicFilterInvalid
	}
	if !c.grant.Load().Allow(policy.Subscribe, policy.KindTopicFilter, r.Filter) {
		c.b.stats.SubscribeDenied.Add(1)
		return nil, false, mqtt.NotAuthorized
	}
	sub := &subscription{s: c.s, filter: r.Filter, share: share, qos: min(r.QoS, l.MaxQoS),
		noLocal: r.NoLocal, retainAsPublished: r.RetainAsPublished, id: subID}
	isNew, ok := c.b.subscribe(sub, inner, l.MaxSubscriptions)
	if !ok {
		return nil, false, mqtt.QuotaExceeded
	}
	return sub, isNew, grantedQoS(sub.qos)
}

func grantedQoS(q mqtt.QoS) mqtt.ReasonCode {
	switch q {
	case 1:
		return mqtt.GrantedQoS1
	case 2:
		return mqtt.GrantedQoS2
	}
	return mqtt.GrantedQoS0
}

// subscribe adds sub to its session and the index, replacing a
// subscription with the same filter [MQTT-3.8.4-3]. It refuses a new
// filter past max per session.
func (b *Broker) subscribe(sub *subscription, inner string, max int) (isNew, ok bool) {
	s := sub.s
	s.mu.Lock()
	old := s.subs[sub.filter]
	if old == nil && len(s.subs) >= max {
		s.mu.Unlock()
		return false, false
	}
	s.subs[sub.filter] = sub
	b.saveSession(s, time.Time{})
	s.mu.Unlock()
	if old != nil {
		b.unindex(old)
	}
	b.stats.Subscriptions.Add(1)
	if sub.share != "" {
		b.index.AddShared(sub.share, inner, sub)
	} else {
		b.index.Add(sub.filter, sub)
	}
	return old == nil, true
}

func (b *Broker) unindex(sub *subscription) {
	b.stats.Subscriptions.Add(-1)
	if sub.share != "" {
		_, inner, _ := topic.ParseShared(sub.filter)
		b.index.RemoveShared(sub.share, inner, sub)
		return
	}
	b.index.Remove(sub.filter, sub)
}

// sendRetained delivers the retained messages a new subscription matches.
// AWS IoT delivers a retained message only to a subscription whose filter
// is the message's topic exactly (no wildcard matching).
func (b *Broker) sendRetained(sub *subscription) {
	var ms []*message
	b.mu.Lock()
	if topic.IsWildcard(sub.filter) {
		if b.retainedOnWildcard {
			for name, m := range b.retained {
				if topic.Match(sub.filter, name) {
					ms = append(ms, m)
				}
			}
		}
	} else if m := b.retained[sub.filter]; m != nil {
		ms = append(ms, m)
	}
	b.mu.Unlock()
	for _, m := range ms {
		// Retained messages keep their retain flag when sent at subscribe
		// time [MQTT-3.3.1-8].
		sub.s.deliver(b, delivery{m: m, qos: min(m.qos, sub.qos), retain: true, noWait: true})
	}
}

// onUnsubscribe removes filters and answers with one code per filter.
func (c *conn) onUnsubscribe(p *mqtt.Unsubscribe) {
	codes := make([]mqtt.ReasonCode, len(p.TopicFilters))
	for i, f := range p.TopicFilters {
		s := c.s
		s.mu.Lock()
		sub := s.subs[f]
		delete(s.subs, f)
		c.b.saveSession(s, time.Time{})
		s.mu.Unlock()
		if sub == nil {
			codes[i] = mqtt.NoSubscriptionExisted
			continue
		}
		c.b.unindex(sub)
	}
	c.send(&mqtt.Unsuback{PacketID: p.PacketID, ReasonCodes: codes})
	var removed []string
	for i, code := range codes {
		if code == mqtt.Success {
			removed = append(removed, p.TopicFilters[i])
		}
	}
	c.b.subscriptionEvent(c, "unsubscribed", removed)
}
