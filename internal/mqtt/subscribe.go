package mqtt

// Subscription is one Topic Filter of a SUBSCRIBE with its Subscription
// Options (§3.8.3.1). Only QoS exists in 3.1.1.
type Subscription struct {
	Filter            string
	QoS               QoS // the Maximum QoS
	NoLocal           bool
	RetainAsPublished bool
	RetainHandling    byte // 0 send retained at subscribe, 1 only if new, 2 never
}

// Subscribe is the SUBSCRIBE packet (§3.8). Filters are checked here only
// as UTF-8 strings: their syntax belongs to package topic, and in 5.0 an
// invalid filter is answered in the SUBACK, not by closing the connection.
type Subscribe struct {
	PacketID      uint16
	Subscriptions []Subscription

	// 5.0 properties (§3.8.2.1).
	SubscriptionIdentifier uint32 // 0 means absent
	UserProperties         []UserProperty
}

// Subscription Options bits (§3.8.3.1).
const (
	optNoLocal           = 0x04
	optRetainAsPublished = 0x08
)

// Type is TypeSubscribe.
func (s *Subscribe) Type() PacketType { return TypeSubscribe }

// Decode reads a SUBSCRIBE. Everything is copied.
func (s *Subscribe) Decode(h Header, body []byte, v Version) error {
	*s = Subscribe{}
	if err := checkHeader(h, TypeSubscribe, v); err != nil {
		return err
	}
	d := decoder{b: body, t: TypeSubscribe, v: v}
	s.PacketID = d.packetID()
	if v == V5 {
		r := d.properties(TypeSubscribe)
		for r.next(&d) {
			switch r.id {
			case propSubscriptionIdentifier:
				s.SubscriptionIdentifier = r.u
			case propUserProperty:
				s.UserProperties = append(s.UserProperties, r.userProperty())
			}
		}
	}
	if d.err == nil && len(d.b) == 0 {
		d.protocol(rule(v, "MQTT-3.8.3-3", "MQTT-3.8.3-2"), "no topic filter")
	}
	for d.err == nil && len(d.b) > 0 {
		sub := Subscription{Filter: d.string()} // [MQTT-3.8.3-1]
		sub.decodeOptions(&d, d.u8())
		s.Subscriptions = append(s.Subscriptions, sub)
	}
	return d.err
}

func (s *Subscription) decodeOptions(d *decoder, opts byte) {
	s.QoS = QoS(opts & 3)
	if d.v == V311 {
		if opts&^3 != 0 || s.QoS > QoS2 {
			d.malformed("MQTT-3.8.3-4", "reserved subscription bits are set or QoS is 3")
		}
		return
	}
	s.NoLocal = opts&optNoLocal != 0
	s.RetainAsPublished = opts&optRetainAsPublished != 0
	s.RetainHandling = opts >> 4 & 3
	switch {
	case opts&0xC0 != 0:
		d.malformed("MQTT-3.8.3-5", "reserved subscription option bits are set")
	case s.QoS > QoS2:
		d.protocol("§3.8.3.1", "Maximum QoS is 3")
	case s.RetainHandling > 2:
		d.protocol("§3.8.3.1", "Retain Handling is 3")
	}
}

// AppendTo appends the SUBSCRIBE.
func (s *Subscribe) AppendTo(dst []byte, v Version) ([]byte, error) {
	w := writer{count: true, t: TypeSubscribe}
	s.body(&w, v)
	if w.err != nil {
		return dst, w.err
	}
	w.start(dst, byte(TypeSubscribe)<<4|0x2, w.n) // [MQTT-3.8.1-1]
	s.body(&w, v)
	return w.b, w.err
}

// Size is the encoded size of the SUBSCRIBE.
func (s *Subscribe) Size(v Version) int {
	w := writer{count: true}
	s.body(&w, v)
	return packetSize(w.n)
}

func (s *Subscribe) body(w *writer, v Version) {
	w.version(v)
	if len(s.Subscriptions) == 0 {
		w.fail(ProtocolError, rule(v, "MQTT-3.8.3-3", "MQTT-3.8.3-2"), "no topic filter")
	}
	w.packetID(s.PacketID)
	if v == V5 {
		pw := writer{count: true, t: w.t}
		s.props(&pw)
		w.vbi(pw.n)
		s.props(w)
	}
	for i := range s.Subscriptions {
		sub := &s.Subscriptions[i]
		w.string(sub.Filter)
		w.u8(sub.options(w, v))
	}
}

func (s *Subscribe) props(w *writer) {
	if s.SubscriptionIdentifier != 0 {
		w.u8(propSubscriptionIdentifier)
		w.vbi(int(s.SubscriptionIdentifier))
	}
	w.userProperties(s.UserProperties)
}

func (s *Subscription) options(w *writer, v Version) byte {
	w.qos(s.QoS)
	opts := byte(s.QoS & 3)
	if v != V5 {
		return opts
	}
	if s.RetainHandling > 2 {
		w.fail(ProtocolError, "§3.8.3.1", "Retain Handling is 3")
	}
	if s.NoLocal {
		opts |= optNoLocal
	}
	if s.RetainAsPublished {
		opts |= optRetainAsPublished
	}
	return opts | (s.RetainHandling&3)<<4
}

// Suback is the SUBACK packet (§3.9): one reason code per filter of the
// SUBSCRIBE, in order [MQTT-3.9.3-1]. For 3.1.1 every failure is encoded
// as SubackFailure (0x80) and decoded as UnspecifiedError.
type Suback struct {
	PacketID       uint16
	ReasonCodes    []ReasonCode
	ReasonString   string // 5.0 only
	UserProperties []UserProperty
}

// Type is TypeSuback.
func (s *Suback) Type() PacketType { return TypeSuback }

// Decode reads a SUBACK. Everything is copied.
func (s *Suback) Decode(h Header, body []byte, v Version) error {
	*s = Suback{}
	if err := checkHeader(h, TypeSuback, v); err != nil {
		return err
	}
	d := decoder{b: body, t: TypeSuback, v: v}
	s.PacketID = d.packetID()
	if v == V5 {
		s.ReasonString, s.UserProperties = decodeReasonProps(&d)
	}
	if d.err != nil {
		return d.err
	}
	s.ReasonCodes = make([]ReasonCode, len(d.b))
	for i := range s.ReasonCodes {
		s.ReasonCodes[i] = d.subackCode()
	}
	return d.err
}

func (d *decoder) subackCode() ReasonCode {
	if d.v == V5 {
		return d.reasonCode()
	}
	c := ReasonCode(d.u8())
	if c > GrantedQoS2 && c != SubackFailure {
		d.malformed("MQTT-3.9.3-2", "return code is reserved")
	}
	return c
}

// decodeReasonProps reads the properties of the acknowledgements that have
// only a Reason String and User Properties.
func decodeReasonProps(d *decoder) (reason string, ups []UserProperty) {
	r := d.properties(d.t)
	for r.next(d) {
		switch r.id {
		case propReasonString:
			reason = string(r.s)
		case propUserProperty:
			ups = append(ups, r.userProperty())
		}
	}
	return reason, ups
}

// AppendTo appends the SUBACK.
func (s *Suback) AppendTo(dst []byte, v Version) ([]byte, error) {
	w := writer{count: true, t: TypeSuback}
	s.body(&w, v)
	if w.err != nil {
		return dst, w.err
	}
	w.start(dst, byte(TypeSuback)<<4, w.n)
	s.body(&w, v)
	return w.b, w.err
}

// Size is the encoded size of the SUBACK.
func (s *Suback) Size(v Version) int {
	w := writer{count: true}
	s.body(&w, v)
	return packetSize(w.n)
}

func (s *Suback) body(w *writer, v Version) {
	w.version(v)
	w.packetID(s.PacketID)
	if v == V5 {
		w.reasonProps(s.ReasonString, s.UserProperties)
	}
	for _, c := range s.ReasonCodes {
		switch {
		case v == V5:
			w.reasonCode(c)
		case c.IsError():
			w.u8(byte(SubackFailure))
		case c > GrantedQoS2:
			w.fail(ProtocolError, "MQTT-3.9.3-2", "return code "+c.String()+" does not exist in 3.1.1")
		default:
			w.u8(byte(c))
		}
	}
}

// reasonProps writes a Property Length, a Reason String and User
// Properties.
func (w *writer) reasonProps(reason string, ups []UserProperty) {
	n := 0
	if reason != "" {
		n += 3 + len(reason)
	}
	for _, up := range ups {
		n += 5 + len(up.Key) + len(up.Value)
	}
	w.vbi(n)
	w.propString(propReasonString, reason)
	w.userProperties(ups)
}

// Unsubscribe is the UNSUBSCRIBE packet (§3.10).
type Unsubscribe struct {
	PacketID       uint16
	TopicFilters   []string
	UserProperties []UserProperty // 5.0 only
}

// Type is TypeUnsubscribe.
func (u *Unsubscribe) Type() PacketType { return TypeUnsubscribe }

// Decode reads an UNSUBSCRIBE. Everything is copied.
func (u *Unsubscribe) Decode(h Header, body []byte, v Version) error {
	*u = Unsubscribe{}
	if err := checkHeader(h, TypeUnsubscribe, v); err != nil {
		return err
	}
	d := decoder{b: body, t: TypeUnsubscribe, v: v}
	u.PacketID = d.packetID()
	if v == V5 {
		r := d.properties(TypeUnsubscribe)
		for r.next(&d) {
			u.UserProperties = append(u.UserProperties, r.userProperty()) // the only one allowed
		}
	}
	if d.err == nil && len(d.b) == 0 {
		d.protocol("MQTT-3.10.3-2", "no topic filter")
	}
	for d.err == nil && len(d.b) > 0 {
		u.TopicFilters = append(u.TopicFilters, d.string()) // [MQTT-3.10.3-1]
	}
	return d.err
}

// AppendTo appends the UNSUBSCRIBE.
func (u *Unsubscribe) AppendTo(dst []byte, v Version) ([]byte, error) {
	w := writer{count: true, t: TypeUnsubscribe}
	u.body(&w, v)
	if w.err != nil {
		return dst, w.err
	}
	w.start(dst, byte(TypeUnsubscribe)<<4|0x2, w.n) // [MQTT-3.10.1-1]
	u.body(&w, v)
	return w.b, w.err
}

// Size is the encoded size of the UNSUBSCRIBE.
func (u *Unsubscribe) Size(v Version) int {
	w := writer{count: true}
	u.body(&w, v)
	return packetSize(w.n)
}

func (u *Unsubscribe) body(w *writer, v Version) {
	w.version(v)
	if len(u.TopicFilters) == 0 {
		w.fail(ProtocolError, "MQTT-3.10.3-2", "no topic filter")
	}
	w.packetID(u.PacketID)
	if v == V5 {
		w.reasonProps("", u.UserProperties)
	}
	for _, f := range u.TopicFilters {
		w.string(f)
	}
}

// Unsuback is the UNSUBACK packet (§3.11). Only 5.0 has reason codes, one
// per filter of the UNSUBSCRIBE [MQTT-3.11.3-1]; 3.1.1 has none.
type Unsuback struct {
	PacketID       uint16
	ReasonCodes    []ReasonCode // 5.0 only
	ReasonString   string       // 5.0 only
	UserProperties []UserProperty
}

// Type is TypeUnsuback.
func (u *Unsuback) Type() PacketType { return TypeUnsuback }

// Decode reads an UNSUBACK. Everything is copied.
func (u *Unsuback) Decode(h Header, body []byte, v Version) error {
	*u = Unsuback{}
	if err := checkHeader(h, TypeUnsuback, v); err != nil {
		return err
	}
	d := decoder{b: body, t: TypeUnsuback, v: v}
	u.PacketID = d.packetID()
	if v == V5 {
		u.ReasonString, u.UserProperties = decodeReasonProps(&d)
		if d.err == nil {
			u.ReasonCodes = make([]ReasonCode, len(d.b))
			for i := range u.ReasonCodes {
				u.ReasonCodes[i] = d.reasonCode()
			}
		}
	}
	return d.end()
}

// AppendTo appends the UNSUBACK.
func (u *Unsuback) AppendTo(dst []byte, v Version) ([]byte, error) {
	w := writer{count: true, t: TypeUnsuback}
	u.body(&w, v)
	if w.err != nil {
		return dst, w.err
	}
	w.start(dst, byte(TypeUnsuback)<<4, w.n)
	u.body(&w, v)
	return w.b, w.err
}

// Size is the encoded size of the UNSUBACK.
func (u *Unsuback) Size(v Version) int {
	w := writer{count: true}
	u.body(&w, v)
	return packetSize(w.n)
}

func (u *Unsuback) body(w *writer, v Version) {
	w.version(v)
	w.packetID(u.PacketID)
	if v != V5 {
		return
	}
	w.reasonProps(u.ReasonString, u.UserProperties)
	for _, c := range u.ReasonCodes {
		w.reasonCode(c)
	}
}
