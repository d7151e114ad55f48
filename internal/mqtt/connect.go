package mqtt

// Connect is the CONNECT packet (§3.1), the first packet of a connection.
// Its protocol level decides the version of every packet after it.
type Connect struct {
	Version    Version // the protocol level: V311 or V5
	CleanStart bool    // Clean Session in 3.1.1
	KeepAlive  uint16  // seconds; 0 turns keep alive off
	ClientID   string
	Will       *Will // nil without a Will Message

	HasUsername bool // the User Name Flag; Username may be empty
	Username    string
	HasPassword bool // the Password Flag; Password may be empty
	Password    []byte

	// 5.0 properties (§3.1.2.11). Zero means absent unless a Has field
	// says otherwise; ReceiveMaximum and MaximumPacketSize are never 0 on
	// the wire, so 0 means absent (65,535 and no limit).
	SessionExpiryInterval        uint32
	ReceiveMaximum               uint16
	MaximumPacketSize            uint32
	TopicAliasMaximum            uint16
	RequestResponseInformation   bool
	HasRequestProblemInformation bool // absent means true
	RequestProblemInformation    bool
	UserProperties               []UserProperty
	AuthenticationMethod         string
	AuthenticationData           []byte
}

// Will is the Will Message of a CONNECT (§3.1.2.5, §3.1.3.2).
type Will struct {
	Topic   string
	Payload []byte
	QoS     QoS
	Retain  bool

	// 5.0 Will Properties (§3.1.3.2).
	WillDelayInterval        uint32
	PayloadFormatIndicator   byte // 0 unspecified bytes, 1 UTF-8
	HasMessageExpiryInterval bool // absent means the message does not expire
	MessageExpiryInterval    uint32
	ContentType              string
	ResponseTopic            string
	CorrelationData          []byte
	UserProperties           []UserProperty
}

// CONNECT flags (§3.1.2.3).
const (
	connReserved   = 0x01
	connCleanStart = 0x02
	connWill       = 0x04
	connWillRetain = 0x20
	connPassword   = 0x40
	connUsername   = 0x80
)

// Type is TypeConnect.
func (c *Connect) Type() PacketType { return TypeConnect }

// Decode reads a CONNECT. The version argument is ignored: the packet
// carries its own, which Decode stores in c.Version as soon as it has read
// it, so that a broker answering an error knows how to encode the CONNACK.
// Everything is copied: c does not alias body.
func (c *Connect) Decode(h Header, body []byte, _ Version) error {
	*c = Connect{}
	if h.Type != TypeConnect || h.Flags != 0 {
		return malformed(TypeConnect, "MQTT-2.2.2-1", "reserved fixed header flags are set")
	}
	d := decoder{b: body, t: TypeConnect}
	if err := c.decodeVersion(&d); err != nil {
		return err
	}
	flags := d.u8()
	c.KeepAlive = d.u16()
	c.decodeFlags(&d, flags)
	if c.Version == V5 {
		c.decodeProps(&d)
	}
	c.ClientID = d.string() // [MQTT-3.1.3-3] [MQTT-3.1.3-4]
	if flags&connWill != 0 {
		c.decodeWill(&d, flags)
	}
	if c.HasUsername {
		c.Username = d.string() // [MQTT-3.1.2-19] [MQTT-3.1.3-11]
	}
	if c.HasPassword {
		c.Password = append([]byte{}, d.binary()...) // [MQTT-3.1.2-21]
	}
	if err := d.end(); err != nil { // [MQTT-3.1.4-1]
		return err
	}
	if c.Version == V311 && c.ClientID == "" && !c.CleanStart {
		return &Error{Code: ClientIdentifierNotValid, Packet: TypeConnect, Rule: "MQTT-3.1.3-8",
			Msg: "empty client identifier with CleanSession 0"}
	}
	return nil
}

// decodeVersion reads the Protocol Name and Level. "MQTT" with a level
// other than 4 or 5, and "MQIsdp" (3.1), are UnsupportedProtocolVersion
// [MQTT-3.1.2-2]; any other name is malformed [MQTT-3.1.2-1].
func (c *Connect) decodeVersion(d *decoder) error {
	name := d.binary()
	level := d.u8()
	if d.err != nil {
		return d.err
	}
	c.Version = Version(level)
	d.v = c.Version
	switch {
	case string(name) == "MQTT" && (c.Version == V311 || c.Version == V5):
		return nil
	case string(name) == "MQTT" || string(name) == "MQIsdp":
		return &Error{Code: UnsupportedProtocolVersion, Packet: TypeConnect, Rule: "MQTT-3.1.2-2",
			Msg: "protocol " + string(name) + " " + c.Version.String() + " is not supported"}
	}
	return malformed(TypeConnect, "MQTT-3.1.2-1", "protocol name is not MQTT")
}

func (c *Connect) decodeFlags(d *decoder, flags byte) {
	v := c.Version
	will, qos, retain := flags&connWill != 0, QoS(flags>>3&3), flags&connWillRetain != 0
	switch {
	case flags&connReserved != 0:
		d.malformed("MQTT-3.1.2-3", "reserved connect flag is set")
	case !will && qos != 0:
		d.malformed(rule(v, "MQTT-3.1.2-13", "MQTT-3.1.2-11"), "will QoS without a will")
	case !will && retain:
		d.malformed(rule(v, "MQTT-3.1.2-15", "MQTT-3.1.2-13"), "will retain without a will")
	case qos > QoS2:
		d.malformed(rule(v, "MQTT-3.1.2-14", "MQTT-3.1.2-12"), "will QoS is 3")
	case v == V311 && flags&connPassword != 0 && flags&connUsername == 0:
		d.malformed("MQTT-3.1.2-22", "password flag without user name flag")
	}
	c.CleanStart = flags&connCleanStart != 0
	c.HasUsername = flags&connUsername != 0
	c.HasPassword = flags&connPassword != 0
}

func (c *Connect) decodeProps(d *decoder) {
	r := d.properties(TypeConnect)
	for r.next(d) {
		switch r.id {
		case propSessionExpiryInterval:
			c.SessionExpiryInterval = r.u
		case propReceiveMaximum:
			c.ReceiveMaximum = uint16(r.u)
		case propMaximumPacketSize:
			c.MaximumPacketSize = r.u
		case propTopicAliasMaximum:
			c.TopicAliasMaximum = uint16(r.u)
		case propRequestResponseInformation:
			c.RequestResponseInformation = r.bool()
		case propRequestProblemInformation:
			c.HasRequestProblemInformation, c.RequestProblemInformation = true, r.bool()
		case propUserProperty:
			c.UserProperties = append(c.UserProperties, r.userProperty())
		case propAuthenticationMethod:
			c.AuthenticationMethod = string(r.s)
		case propAuthenticationData:
			c.AuthenticationData = append([]byte{}, r.s...)
		}
	}
	if d.err == nil && c.AuthenticationData != nil && c.AuthenticationMethod == "" {
		d.protocol("§3.1.2.11.10", "Authentication Data without Authentication Method")
	}
}

func (c *Connect) decodeWill(d *decoder, flags byte) {
	w := &Will{QoS: QoS(flags >> 3 & 3), Retain: flags&connWillRetain != 0}
	if c.Version == V5 {
		w.decodeProps(d)
	}
	w.Topic = d.string()                        // [MQTT-3.1.3-10] / [MQTT-3.1.3-11] in 5.0
	w.Payload = append([]byte{}, d.binary()...) // [MQTT-3.1.2-9]
	c.Will = w
}

func (w *Will) decodeProps(d *decoder) {
	r := d.properties(ctxWill)
	for r.next(d) {
		switch r.id {
		case propWillDelayInterval:
			w.WillDelayInterval = r.u
		case propPayloadFormatIndicator:
			w.PayloadFormatIndicator = byte(r.u)
		case propMessageExpiryInterval:
			w.HasMessageExpiryInterval, w.MessageExpiryInterval = true, r.u
		case propContentType:
			w.ContentType = string(r.s)
		case propResponseTopic:
			w.ResponseTopic = string(r.s)
		case propCorrelationData:
			w.CorrelationData = append([]byte{}, r.s...)
		case propUserProperty:
			w.UserProperties = append(w.UserProperties, r.userProperty())
		}
	}
}

// version is the version c encodes with: its own, or v if it has none.
func (c *Connect) version(v Version) Version {
	if c.Version != 0 {
		return c.Version
	}
	return v
}

// AppendTo appends the CONNECT, encoded for c.Version (for v if c.Version
// is 0).
func (c *Connect) AppendTo(dst []byte, v Version) ([]byte, error) {
	w := writer{count: true, t: TypeConnect}
	c.body(&w, c.version(v))
	if w.err != nil {
		return dst, w.err
	}
	w.start(dst, byte(TypeConnect)<<4, w.n)
	c.body(&w, c.version(v))
	return w.b, w.err
}

// Size is the encoded size of the CONNECT.
func (c *Connect) Size(v Version) int {
	w := writer{count: true}
	c.body(&w, c.version(v))
	return packetSize(w.n)
}

func (c *Connect) body(w *writer, v Version) {
	if v != V311 && v != V5 {
		w.fail(UnsupportedProtocolVersion, "MQTT-3.1.2-2", "version "+v.String()+" is not supported")
		return
	}
	w.string("MQTT")
	w.u8(byte(v))
	w.u8(c.flags(w, v))
	w.u16(c.KeepAlive)
	if v == V5 {
		pw := writer{count: true, t: w.t}
		c.props(&pw)
		w.vbi(pw.n)
		c.props(w)
	}
	w.string(c.ClientID)
	if c.Will != nil {
		if v == V5 {
			pw := writer{count: true, t: w.t}
			c.Will.props(&pw)
			w.vbi(pw.n)
			c.Will.props(w)
		}
		w.string(c.Will.Topic)
		w.binary(c.Will.Payload)
	}
	if c.HasUsername {
		w.string(c.Username)
	}
	if c.HasPassword {
		w.binary(c.Password)
	}
}

func (c *Connect) flags(w *writer, v Version) byte {
	var f byte
	if c.CleanStart {
		f |= connCleanStart
	}
	if c.Will != nil {
		w.qos(c.Will.QoS)
		f |= connWill | byte(c.Will.QoS&3)<<3
		if c.Will.Retain {
			f |= connWillRetain
		}
	}
	if c.HasUsername {
		f |= connUsername
	}
	if c.HasPassword {
		if v == V311 && !c.HasUsername {
			w.fail(MalformedPacket, "MQTT-3.1.2-22", "password without user name")
		}
		f |= connPassword
	}
	return f
}

func (c *Connect) props(w *writer) {
	if c.AuthenticationData != nil && c.AuthenticationMethod == "" {
		w.fail(ProtocolError, "§3.1.2.11.10", "Authentication Data without Authentication Method")
	}
	if c.SessionExpiryInterval != 0 {
		w.propU32(propSessionExpiryInterval, c.SessionExpiryInterval)
	}
	w.propString(propAuthenticationMethod, c.AuthenticationMethod)
	w.propBinary(propAuthenticationData, c.AuthenticationData)
	if c.HasRequestProblemInformation {
		w.propBool(propRequestProblemInformation, c.RequestProblemInformation)
	}
	if c.RequestResponseInformation {
		w.propBool(propRequestResponseInformation, true)
	}
	if c.ReceiveMaximum != 0 {
		w.propU16(propReceiveMaximum, c.ReceiveMaximum)
	}
	if c.TopicAliasMaximum != 0 {
		w.propU16(propTopicAliasMaximum, c.TopicAliasMaximum)
	}
	w.userProperties(c.UserProperties)
	if c.MaximumPacketSize != 0 {
		w.propU32(propMaximumPacketSize, c.MaximumPacketSize)
	}
}

func (wl *Will) props(w *writer) {
	if wl.PayloadFormatIndicator > 1 {
		w.fail(ProtocolError, "§3.1.3.2.3", "Payload Format Indicator is neither 0 nor 1")
	}
	if wl.PayloadFormatIndicator != 0 {
		w.propByte(propPayloadFormatIndicator, wl.PayloadFormatIndicator)
	}
	if wl.HasMessageExpiryInterval {
		w.propU32(propMessageExpiryInterval, wl.MessageExpiryInterval)
	}
	w.propString(propContentType, wl.ContentType)
	w.propString(propResponseTopic, wl.ResponseTopic)
	w.propBinary(propCorrelationData, wl.CorrelationData)
	if wl.WillDelayInterval != 0 {
		w.propU32(propWillDelayInterval, wl.WillDelayInterval)
	}
	w.userProperties(wl.UserProperties)
}
