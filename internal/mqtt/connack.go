package mqtt

// Connack is the CONNACK packet (§3.2). ReasonCode is a 5.0 reason code in
// both versions: encoding for 3.1.1 maps it to a return code (see
// ReasonCode.ReturnCode) and decoding a 3.1.1 CONNACK maps back.
type Connack struct {
	SessionPresent bool
	ReasonCode     ReasonCode

	// 5.0 properties (§3.2.2.3). Zero means absent unless a Has field says
	// otherwise; ReceiveMaximum and MaximumPacketSize are never 0 on the
	// wire, so 0 means absent.
	HasSessionExpiryInterval            bool // absent: the client's value holds
	SessionExpiryInterval               uint32
	ReceiveMaximum                      uint16
	HasMaximumQoS                       bool // absent means QoS 2
	MaximumQoS                          QoS  // 0 or 1 when present
	HasRetainAvailable                  bool // absent means available
	RetainAvailable                     bool
	MaximumPacketSize                   uint32
	AssignedClientIdentifier            string
	TopicAliasMaximum                   uint16
	ReasonString                        string
	UserProperties                      []UserProperty
	HasWildcardSubscriptionAvailable    bool // absent means available
	WildcardSubscriptionAvailable       bool
	HasSubscriptionIdentifiersAvailable bool // absent means available
	SubscriptionIdentifiersAvailable    bool
	HasSharedSubscriptionAvailable      bool // absent means available
	SharedSubscriptionAvailable         bool
	HasServerKeepAlive                  bool // absent: the client's Keep Alive holds
	ServerKeepAlive                     uint16
	ResponseInformation                 string
	ServerReference                     string
	AuthenticationMethod                string
	AuthenticationData                  []byte
}

// Type is TypeConnack.
func (c *Connack) Type() PacketType { return TypeConnack }

// Decode reads a CONNACK. Everything is copied.
func (c *Connack) Decode(h Header, body []byte, v Version) error {
	*c = Connack{}
	if err := checkHeader(h, TypeConnack, v); err != nil {
		return err
	}
	d := decoder{b: body, t: TypeConnack, v: v}
	flags := d.u8()
	if flags&^1 != 0 {
		d.malformed(rule(v, "§3.2.2.1", "MQTT-3.2.2-1"), "reserved acknowledge flags are set")
	}
	c.SessionPresent = flags&1 != 0
	if v == V311 {
		rc := ReturnCode(d.u8())
		if d.err == nil && rc > RefusedNotAuthorized {
			d.malformed("§3.2.2.3", "return code is reserved")
		}
		c.ReasonCode = rc.ReasonCode()
	} else {
		c.ReasonCode = d.reasonCode()
		c.decodeProps(&d)
	}
	if d.err == nil && c.SessionPresent && c.ReasonCode != Success {
		d.protocol(rule(v, "MQTT-3.2.2-4", "MQTT-3.2.2-6"), "session present with a refusal")
	}
	return d.end()
}

func (c *Connack) decodeProps(d *decoder) {
	r := d.properties(TypeConnack)
	for r.next(d) {
		switch r.id {
		case propSessionExpiryInterval:
			c.HasSessionExpiryInterval, c.SessionExpiryInterval = true, r.u
		case propReceiveMaximum:
			c.ReceiveMaximum = uint16(r.u)
		case propMaximumQoS:
			c.HasMaximumQoS, c.MaximumQoS = true, QoS(r.u)
		case propRetainAvailable:
			c.HasRetainAvailable, c.RetainAvailable = true, r.bool()
		case propMaximumPacketSize:
			c.MaximumPacketSize = r.u
		case propAssignedClientIdentifier:
			c.AssignedClientIdentifier = string(r.s)
		case propTopicAliasMaximum:
			c.TopicAliasMaximum = uint16(r.u)
		case propReasonString:
			c.ReasonString = string(r.s)
		case propUserProperty:
			c.UserProperties = append(c.UserProperties, r.userProperty())
		default:
			c.decodeMoreProps(&r)
		}
	}
}

func (c *Connack) decodeMoreProps(r *propReader) {
	switch r.id {
	case propWildcardSubscriptionAvailable:
		c.HasWildcardSubscriptionAvailable, c.WildcardSubscriptionAvailable = true, r.bool()
	case propSubscriptionIdentifiersAvailable:
		c.HasSubscriptionIdentifiersAvailable, c.SubscriptionIdentifiersAvailable = true, r.bool()
	case propSharedSubscriptionAvailable:
		c.HasSharedSubscriptionAvailable, c.SharedSubscriptionAvailable = true, r.bool()
	case propServerKeepAlive:
		c.HasServerKeepAlive, c.ServerKeepAlive = true, uint16(r.u)
	case propResponseInformation:
		c.ResponseInformation = string(r.s)
	case propServerReference:
		c.ServerReference = string(r.s)
	case propAuthenticationMethod:
		c.AuthenticationMethod = string(r.s)
	case propAuthenticationData:
		c.AuthenticationData = append([]byte{}, r.s...)
	}
}

// AppendTo appends the CONNACK.
func (c *Connack) AppendTo(dst []byte, v Version) ([]byte, error) {
	w := writer{count: true, t: TypeConnack}
	c.body(&w, v)
	if w.err != nil {
		return dst, w.err
	}
	w.start(dst, byte(TypeConnack)<<4, w.n)
	c.body(&w, v)
	return w.b, w.err
}

// Size is the encoded size of the CONNACK.
func (c *Connack) Size(v Version) int {
	w := writer{count: true}
	c.body(&w, v)
	return packetSize(w.n)
}

func (c *Connack) body(w *writer, v Version) {
	w.version(v)
	if c.SessionPresent && c.ReasonCode != Success {
		w.fail(ProtocolError, rule(v, "MQTT-3.2.2-4", "MQTT-3.2.2-6"), "session present with a refusal")
	}
	if c.SessionPresent {
		w.u8(1)
	} else {
		w.u8(0)
	}
	if v != V5 {
		w.u8(byte(c.ReasonCode.ReturnCode()))
		return
	}
	w.reasonCode(c.ReasonCode)
	pw := writer{count: true, t: w.t}
	c.props(&pw)
	w.vbi(pw.n)
	c.props(w)
}

func (c *Connack) props(w *writer) {
	if c.HasSessionExpiryInterval {
		w.propU32(propSessionExpiryInterval, c.SessionExpiryInterval)
	}
	w.propString(propAssignedClientIdentifier, c.AssignedClientIdentifier)
	if c.HasServerKeepAlive {
		w.propU16(propServerKeepAlive, c.ServerKeepAlive)
	}
	w.propString(propAuthenticationMethod, c.AuthenticationMethod)
	w.propBinary(propAuthenticationData, c.AuthenticationData)
	w.propString(propResponseInformation, c.ResponseInformation)
	w.propString(propServerReference, c.ServerReference)
	w.propString(propReasonString, c.ReasonString)
	if c.ReceiveMaximum != 0 {
		w.propU16(propReceiveMaximum, c.ReceiveMaximum)
	}
	if c.TopicAliasMaximum != 0 {
		w.propU16(propTopicAliasMaximum, c.TopicAliasMaximum)
	}
	if c.HasMaximumQoS {
		if c.MaximumQoS > QoS1 {
			w.fail(ProtocolError, "§3.2.2.3.4", "Maximum QoS is neither 0 nor 1")
		}
		w.propByte(propMaximumQoS, byte(c.MaximumQoS))
	}
	if c.HasRetainAvailable {
		w.propBool(propRetainAvailable, c.RetainAvailable)
	}
	w.userProperties(c.UserProperties)
	if c.MaximumPacketSize != 0 {
		w.propU32(propMaximumPacketSize, c.MaximumPacketSize)
	}
	if c.HasWildcardSubscriptionAvailable {
		w.propBool(propWildcardSubscriptionAvailable, c.WildcardSubscriptionAvailable)
	}
	if c.HasSubscriptionIdentifiersAvailable {
		w.propBool(propSubscriptionIdentifiersAvailable, c.SubscriptionIdentifiersAvailable)
	}
	if c.HasSharedSubscriptionAvailable {
		w.propBool(propSharedSubscriptionAvailable, c.SharedSubscriptionAvailable)
	}
}
