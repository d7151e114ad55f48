package mqtt

// Publish is the PUBLISH packet (§3.3): one Application Message.
//
// After Decode, Payload and CorrelationData alias the body passed to it
// (for ReadFrame, the bufio.Reader's buffer): they are valid only until the
// next read. Clone gives a copy that owns them. Strings are always copies.
type Publish struct {
	Dup      bool
	QoS      QoS
	Retain   bool
	Topic    string // empty in 5.0 when TopicAlias stands for it
	PacketID uint16 // only for QoS 1 and 2
	Payload  []byte

	// 5.0 properties (§3.3.2.3); zero means absent.
	PayloadFormatIndicator   byte // 0 unspecified bytes, 1 UTF-8
	HasMessageExpiryInterval bool // absent means the message does not expire
	MessageExpiryInterval    uint32
	TopicAlias               uint16
	ResponseTopic            string
	CorrelationData          []byte
	UserProperties           []UserProperty
	SubscriptionIdentifiers  []uint32 // server to client only [MQTT-3.3.4-6]
	ContentType              string
}

// PUBLISH fixed header flags (§3.3.1).
const (
	pubRetain = 0x01
	pubDup    = 0x08
)

// Type is TypePublish.
func (p *Publish) Type() PacketType { return TypePublish }

// Decode reads a PUBLISH. It allocates nothing when the packet has no
// properties and its topic equals p.Topic before the call: that string is
// kept rather than made again, so a connection decoding into one reused
// Publish does not allocate for a device publishing to the same topic.
func (p *Publish) Decode(h Header, body []byte, v Version) error {
	topic, contentType, responseTopic := p.Topic, p.ContentType, p.ResponseTopic
	*p = Publish{}
	if err := p.decodeHeader(h, v); err != nil {
		return err
	}
	d := decoder{b: body, t: TypePublish, v: v}
	name := d.utf8() // [MQTT-3.3.2-1]
	p.Topic = reuse(topic, name)
	if p.QoS > QoS0 {
		p.PacketID = d.packetID() // [MQTT-2.3.1-1] [MQTT-2.2.1-3]
	}
	if v == V5 {
		p.decodeProps(&d, contentType, responseTopic)
	}
	if d.err == nil && len(name) == 0 && p.TopicAlias == 0 {
		if v == V5 {
			d.protocol("§3.3.2.3.4", "empty topic name without a topic alias")
		} else {
			d.malformed("MQTT-4.7.3-1", "empty topic name")
		}
	}
	p.Payload = d.b[:len(d.b):len(d.b)]
	return d.err
}

func (p *Publish) decodeHeader(h Header, v Version) error {
	if v != V311 && v != V5 {
		return protocolError(TypePublish, "MQTT-3.1.0-1", "no CONNECT has set the protocol version")
	}
	if h.Type != TypePublish {
		return malformed(TypePublish, "", "fixed header is of "+h.Type.String())
	}
	p.Dup, p.QoS, p.Retain = h.Flags&pubDup != 0, QoS(h.Flags>>1&3), h.Flags&pubRetain != 0
	if p.QoS > QoS2 {
		return malformed(TypePublish, "MQTT-3.3.1-4", "QoS is 3")
	}
	if p.Dup && p.QoS == QoS0 {
		return malformed(TypePublish, "MQTT-3.3.1-2", "DUP is set on a QoS 0 message")
	}
	return nil
}

// reuse returns old when it holds the bytes of b, else a new string; the
// comparison does not allocate.
func reuse(old string, b []byte) string {
	if old == string(b) {
		return old
	}
	return string(b)
}

func (p *Publish) decodeProps(d *decoder, contentType, responseTopic string) {
	r := d.properties(TypePublish)
	for r.next(d) {
		switch r.id {
		case propPayloadFormatIndicator:
			p.PayloadFormatIndicator = byte(r.u)
		case propMessageExpiryInterval:
			p.HasMessageExpiryInterval, p.MessageExpiryInterval = true, r.u
		case propTopicAlias:
			p.TopicAlias = uint16(r.u)
		case propResponseTopic:
			p.ResponseTopic = reuse(responseTopic, r.s)
		case propCorrelationData:
			p.CorrelationData = r.s
		case propUserProperty:
			p.UserProperties = append(p.UserProperties, r.userProperty())
		case propSubscriptionIdentifier:
			p.SubscriptionIdentifiers = append(p.SubscriptionIdentifiers, r.u)
		case propContentType:
			p.ContentType = reuse(contentType, r.s)
		}
	}
}

// Clone returns a copy of p that owns its Payload and CorrelationData (one
// allocation for both) and its slices.
func (p *Publish) Clone() *Publish {
	c := *p
	buf := make([]byte, len(p.Payload)+len(p.CorrelationData))
	n := copy(buf, p.Payload)
	if p.Payload != nil {
		c.Payload = buf[:n:n]
	}
	if p.CorrelationData != nil {
		c.CorrelationData = buf[n:]
		copy(c.CorrelationData, p.CorrelationData)
	}
	c.UserProperties = append([]UserProperty(nil), p.UserProperties...)
	c.SubscriptionIdentifiers = append([]uint32(nil), p.SubscriptionIdentifiers...)
	return &c
}

// AppendTo appends the PUBLISH.
func (p *Publish) AppendTo(dst []byte, v Version) ([]byte, error) {
	dst, err := p.AppendHeader(dst, v)
	if err != nil {
		return dst, err
	}
	return append(dst, p.Payload...), nil
}

// AppendHeader appends the PUBLISH without its payload: the fixed header
// (whose Remaining Length counts the payload), the variable header and the
// properties. The payload must follow, as in a net.Buffers write that sends
// one shared payload to many subscribers without copying it.
func (p *Publish) AppendHeader(dst []byte, v Version) ([]byte, error) {
	w := writer{count: true, t: TypePublish}
	p.header(&w, v)
	if w.err != nil {
		return dst, w.err
	}
	first := byte(TypePublish)<<4 | byte(p.QoS)<<1
	if p.Dup {
		first |= pubDup
	}
	if p.Retain {
		first |= pubRetain
	}
	w.start(dst, first, w.n+len(p.Payload))
	p.header(&w, v)
	return w.b, w.err
}

// Size is the encoded size of the PUBLISH, payload included.
func (p *Publish) Size(v Version) int {
	w := writer{count: true}
	p.header(&w, v)
	return packetSize(w.n + len(p.Payload))
}

func (p *Publish) header(w *writer, v Version) {
	p.check(w, v)
	w.string(p.Topic)
	if p.QoS > QoS0 {
		w.u16(p.PacketID)
	}
	switch {
	case v != V5:
	case p.noProps():
		w.u8(0)
	default:
		c := writer{count: true, t: TypePublish}
		p.props(&c)
		w.vbi(c.n)
		p.props(w)
	}
}

// noProps is the fast path of the common PUBLISH without properties.
func (p *Publish) noProps() bool {
	return p.PayloadFormatIndicator == 0 && !p.HasMessageExpiryInterval && p.TopicAlias == 0 &&
		p.ContentType == "" && p.ResponseTopic == "" && p.CorrelationData == nil &&
		len(p.UserProperties) == 0 && len(p.SubscriptionIdentifiers) == 0
}

func (p *Publish) check(w *writer, v Version) {
	w.qos(p.QoS)
	switch {
	case v != V311 && v != V5:
		w.fail(ProtocolError, "MQTT-3.1.0-1", "no protocol version")
	case p.Dup && p.QoS == QoS0:
		w.fail(MalformedPacket, "MQTT-3.3.1-2", "DUP is set on a QoS 0 message")
	case p.QoS > QoS0 && p.PacketID == 0:
		w.fail(ProtocolError, rule(v, "MQTT-2.3.1-1", "MQTT-2.2.1-4"), "packet identifier is 0")
	case p.Topic == "" && (v == V311 || p.TopicAlias == 0):
		w.fail(ProtocolError, "MQTT-4.7.3-1", "empty topic name without a topic alias")
	case v == V5 && p.PayloadFormatIndicator > 1:
		w.fail(ProtocolError, "§3.3.2.3.2", "Payload Format Indicator is neither 0 nor 1")
	}
}

func (p *Publish) props(w *writer) {
	if p.PayloadFormatIndicator != 0 {
		w.propByte(propPayloadFormatIndicator, p.PayloadFormatIndicator)
	}
	if p.HasMessageExpiryInterval {
		w.propU32(propMessageExpiryInterval, p.MessageExpiryInterval)
	}
	w.propString(propContentType, p.ContentType)
	w.propString(propResponseTopic, p.ResponseTopic)
	w.propBinary(propCorrelationData, p.CorrelationData)
	for _, id := range p.SubscriptionIdentifiers {
		if id == 0 {
			w.fail(ProtocolError, "§3.3.2.3.8", "Subscription Identifier is 0")
		}
		w.u8(propSubscriptionIdentifier)
		w.vbi(int(id))
	}
	if p.TopicAlias != 0 {
		w.propU16(propTopicAlias, p.TopicAlias)
	}
	w.userProperties(p.UserProperties)
}
