package broker

import (
	"sync"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
)

// message is one application message as the broker keeps it: its bytes are
// owned (copied once from the publisher's read buffer) and shared, read
// only, by every delivery.
type message struct {
	topic   string
	payload []byte
	qos     mqtt.QoS
	retain  bool
	from    *session // publisher, for No Local; nil for server messages
	at      time.Time

	// MQTT 5 properties forwarded to subscribers [MQTT-3.3.2-4..20].
	formatIndicator byte
	hasExpiry       bool
	expiry          uint32 // seconds, from at
	contentType     string
	responseTopic   string
	correlation     []byte
	userProps       []mqtt.UserProperty
}

// expired reports whether the Message Expiry Interval has passed
// [MQTT-3.3.2-5], and otherwise the seconds left.
func (m *message) expired(now time.Time) (bool, uint32) {
	if !m.hasExpiry {
		return false, 0
	}
	gone := uint32(now.Sub(m.at) / time.Second)
	if gone >= m.expiry {
		return true, 0
	}
	return false, m.expiry - gone
}

// subscription is one filter of one session.
type subscription struct {
	s                 *session
	filter            string // as given, $share prefix included
	share             string // shared subscription group, "" if none
	qos               mqtt.QoS
	noLocal           bool
	retainAsPublished bool
	id                uint32 // MQTT 5 Subscription Identifier, 0 if none
}

// delivery is a message on its way to one session, with the QoS it goes at.
type delivery struct {
	m      *message
	qos    mqtt.QoS
	retain bool
	subIDs []uint32
	stored *stored // its row in the store's session queue, if written
	// noWait makes a full queue drop rather than wait: set when the
	// delivering goroutine is the receiving session's own read loop, which
	// is the one that would free the room.
	noWait bool
	// released is set once a QoS 2 delivery's PUBREC came and PUBREL went:
	// redelivery then resends PUBREL, not the PUBLISH [MQTT-4.4.0-1].
	released bool
}

// session is the state of one client id: its subscriptions and, for QoS 1,
// what is in flight and what waits. It outlives connections when persistent.
type session struct {
	clientID string

	mu         sync.Mutex
	conn       *conn                    // current connection, nil when offline; mu held
	persistent bool                     // mu held
	expiry     time.Duration            // mu held
	subs       map[string]*subscription // by filter; mu held
	inflight   map[uint16]*delivery     // QoS 1 sent, not yet acknowledged; mu held
	order      []uint16                 // inflight ids in send order, for redelivery; mu held
	queue      []delivery               // waiting for the in-flight window or a connection; mu held
	nextID     uint16                   // mu held
	expireT    *time.Timer              // mu held
	willT      *time.Timer              // a delayed will waiting to be sent; mu held
	space      chan struct{}            // closed when the queue drains; publishers waiting on a full queue; mu held
	// qos2In holds the ids of QoS 2 PUBLISHes received and answered with
	// PUBREC but not yet released by PUBREL, so a resent PUBLISH is not
	// delivered twice [MQTT-4.3.3-9]. mu held.
	qos2In map[uint16]struct{}
}

func newSession(clientID string) *session {
	return &session{clientID: clientID, subs: map[string]*subscription{}, inflight: map[uint16]*delivery{}}
}

// packetID returns a free packet identifier [MQTT-2.2.1-3]. mu held.
func (s *session) packetID() uint16 {
	for {
		s.nextID++
		if s.nextID == 0 {
			s.nextID = 1
		}
		if _, used := s.inflight[s.nextID]; !used {
			return s.nextID
		}
	}
}

func (s *session) removeOrder(id uint16) {
	for i, v := range s.order {
		if v == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			return
		}
	}
}
