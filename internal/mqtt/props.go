package mqtt

import "strconv"

// Property identifiers (§2.2.2.2, Table 2-4).
const (
	propPayloadFormatIndicator           = 0x01
	propMessageExpiryInterval            = 0x02
	propContentType                      = 0x03
	propResponseTopic                    = 0x08
	propCorrelationData                  = 0x09
	propSubscriptionIdentifier           = 0x0B
	propSessionExpiryInterval            = 0x11
	propAssignedClientIdentifier         = 0x12
	propServerKeepAlive                  = 0x13
	propAuthenticationMethod             = 0x15
	propAuthenticationData               = 0x16
	propRequestProblemInformation        = 0x17
	propWillDelayInterval                = 0x18
	propRequestResponseInformation       = 0x19
	propResponseInformation              = 0x1A
	propServerReference                  = 0x1C
	propReasonString                     = 0x1F
	propReceiveMaximum                   = 0x21
	propTopicAliasMaximum                = 0x22
	propTopicAlias                       = 0x23
	propMaximumQoS                       = 0x24
	propRetainAvailable                  = 0x25
	propUserProperty                     = 0x26
	propMaximumPacketSize                = 0x27
	propWildcardSubscriptionAvailable    = 0x28
	propSubscriptionIdentifiersAvailable = 0x29
	propSharedSubscriptionAvailable      = 0x2A
)

// ctxWill is the property context of the Will Properties of CONNECT: the
// packet type 0, which no packet has.
const ctxWill PacketType = 0

type propKind uint8

const (
	kindByte propKind = iota + 1
	kindU16
	kindU32
	kindVBI
	kindString
	kindBinary
	kindPair
)

// propInfo says how a property is encoded, where it may appear (a bit per
// PacketType, bit 0 for the Will Properties), its value rule, its name and
// the section that defines it.
type propInfo struct {
	kind propKind
	in   uint16
	rule propRule
	name string
	sect string
}

type propRule uint8

const (
	ruleNone    propRule = iota
	ruleBool             // 0 or 1, anything else is a Protocol Error
	ruleNonZero          // 0 is a Protocol Error
	ruleAlias            // Topic Alias: 0 is invalid [MQTT-3.3.2-8]
)

const (
	inWill        = 1 << ctxWill
	inConnect     = 1 << TypeConnect
	inConnack     = 1 << TypeConnack
	inPublish     = 1 << TypePublish
	inPubacks     = 1<<TypePuback | 1<<TypePubrec | 1<<TypePubrel | 1<<TypePubcomp
	inSubscribe   = 1 << TypeSubscribe
	inSuback      = 1 << TypeSuback
	inUnsubscribe = 1 << TypeUnsubscribe
	inUnsuback    = 1 << TypeUnsuback
	inDisconnect  = 1 << TypeDisconnect
	inAuth        = 1 << TypeAuth
	inReasonStr   = inConnack | inPubacks | inSuback | inUnsuback | inDisconnect | inAuth
	inAll         = inWill | inConnect | inReasonStr | inPublish | inSubscribe | inUnsubscribe
)

// props is Table 2-4 of §2.2.2.2.
var props = [0x2B]propInfo{
	propPayloadFormatIndicator: {kindByte, inPublish | inWill, ruleBool,
		"Payload Format Indicator", "§3.3.2.3.2"},
	propMessageExpiryInterval: {kindU32, inPublish | inWill, ruleNone,
		"Message Expiry Interval", "§3.3.2.3.3"},
	propContentType:     {kindString, inPublish | inWill, ruleNone, "Content Type", "§3.3.2.3.9"},
	propResponseTopic:   {kindString, inPublish | inWill, ruleNone, "Response Topic", "§3.3.2.3.5"},
	propCorrelationData: {kindBinary, inPublish | inWill, ruleNone, "Correlation Data", "§3.3.2.3.6"},
	propSubscriptionIdentifier: {kindVBI, inPublish | inSubscribe, ruleNonZero,
		"Subscription Identifier", "§3.8.2.1.2"},
	propSessionExpiryInterval: {kindU32, inConnect | inConnack | inDisconnect, ruleNone,
		"Session Expiry Interval", "§3.1.2.11.2"},
	propAssignedClientIdentifier: {kindString, inConnack, ruleNone,
		"Assigned Client Identifier", "§3.2.2.3.7"},
	propServerKeepAlive: {kindU16, inConnack, ruleNone, "Server Keep Alive", "§3.2.2.3.14"},
	propAuthenticationMethod: {kindString, inConnect | inConnack | inAuth, ruleNone,
		"Authentication Method", "§3.1.2.11.9"},
	propAuthenticationData: {kindBinary, inConnect | inConnack | inAuth, ruleNone,
		"Authentication Data", "§3.1.2.11.10"},
	propRequestProblemInformation: {kindByte, inConnect, ruleBool,
		"Request Problem Information", "§3.1.2.11.7"},
	propWillDelayInterval: {kindU32, inWill, ruleNone, "Will Delay Interval", "§3.1.3.2.2"},
	propRequestResponseInformation: {kindByte, inConnect, ruleBool,
		"Request Response Information", "§3.1.2.11.6"},
	propResponseInformation: {kindString, inConnack, ruleNone,
		"Response Information", "§3.2.2.3.15"},
	propServerReference: {kindString, inConnack | inDisconnect, ruleNone,
		"Server Reference", "§3.2.2.3.16"},
	propReasonString: {kindString, inReasonStr, ruleNone, "Reason String", "§3.2.2.3.9"},
	propReceiveMaximum: {kindU16, inConnect | inConnack, ruleNonZero,
		"Receive Maximum", "§3.1.2.11.3"},
	propTopicAliasMaximum: {kindU16, inConnect | inConnack, ruleNone,
		"Topic Alias Maximum", "§3.1.2.11.5"},
	propTopicAlias:      {kindU16, inPublish, ruleAlias, "Topic Alias", "§3.3.2.3.4"},
	propMaximumQoS:      {kindByte, inConnack, ruleBool, "Maximum QoS", "§3.2.2.3.4"},
	propRetainAvailable: {kindByte, inConnack, ruleBool, "Retain Available", "§3.2.2.3.5"},
	propUserProperty:    {kindPair, inAll, ruleNone, "User Property", "MQTT-1.5.7-1"},
	propMaximumPacketSize: {kindU32, inConnect | inConnack, ruleNonZero,
		"Maximum Packet Size", "§3.1.2.11.4"},
	propWildcardSubscriptionAvailable: {kindByte, inConnack, ruleBool,
		"Wildcard Subscription Available", "§3.2.2.3.11"},
	propSubscriptionIdentifiersAvailable: {kindByte, inConnack, ruleBool,
		"Subscription Identifiers Available", "§3.2.2.3.12"},
	propSharedSubscriptionAvailable: {kindByte, inConnack, ruleBool,
		"Shared Subscription Available", "§3.2.2.3.13"},
}

// propReader iterates over the properties of one packet (or of the Will):
//
//	r := d.properties(ctx)
//	for r.next(d) {
//		switch r.id { ... r.u, r.s, r.s2 ... }
//	}
//
// next checks everything the table knows: an identifier unknown or not
// allowed here is a Malformed Packet (§2.2.2.2), a repeated one a Protocol
// Error, values out of range likewise. Errors go to d, the decoder of the
// whole packet (passed on each call rather than kept, so that it does not
// escape to the heap).
type propReader struct {
	d     decoder // over the properties only
	ctx   PacketType
	seen  uint64
	id    int
	u     uint32 // integer value
	s, s2 []byte // string or binary value; s2 is a User Property's value
}

// properties reads a Property Length and returns a reader over that many
// bytes, which the parent decoder skips.
func (d *decoder) properties(ctx PacketType) propReader {
	n := d.vbi()
	b := d.take(n)
	return propReader{d: decoder{b: b, t: d.t, v: d.v}, ctx: ctx}
}

func (r *propReader) next(parent *decoder) bool {
	if parent.err != nil || len(r.d.b) == 0 {
		return false
	}
	r.id = r.d.vbi()
	if r.d.err == nil {
		r.read()
	}
	if r.d.err != nil {
		parent.fail(r.d.err.(*Error))
		return false
	}
	return true
}

func (r *propReader) read() {
	id := r.id
	if id >= len(props) || props[id].kind == 0 || props[id].in&(1<<r.ctx) == 0 {
		r.d.malformed("§2.2.2.2", "property 0x"+strconv.FormatUint(uint64(id), 16)+
			" is not allowed in "+ctxName(r.ctx))
		return
	}
	p := &props[id]
	multi := id == propUserProperty || (id == propSubscriptionIdentifier && r.ctx == TypePublish)
	if r.seen&(1<<id) != 0 && !multi {
		r.d.protocol(p.sect, p.name+" appears twice")
		return
	}
	r.seen |= 1 << id
	r.value(p)
}

func (r *propReader) value(p *propInfo) {
	r.u, r.s, r.s2 = 0, nil, nil
	switch p.kind {
	case kindByte:
		r.u = uint32(r.d.u8())
	case kindU16:
		r.u = uint32(r.d.u16())
	case kindU32:
		r.u = r.d.u32()
	case kindVBI:
		r.u = uint32(r.d.vbi())
	case kindString:
		r.s = r.d.utf8()
	case kindBinary:
		r.s = r.d.binary()
	case kindPair:
		r.s, r.s2 = r.d.utf8(), r.d.utf8() // [MQTT-1.5.7-1]
	}
	if r.d.err != nil {
		return
	}
	switch {
	case p.rule == ruleBool && r.u > 1:
		r.d.protocol(p.sect, p.name+" is neither 0 nor 1")
	case p.rule == ruleNonZero && r.u == 0:
		r.d.protocol(p.sect, p.name+" is 0")
	case p.rule == ruleAlias && r.u == 0:
		r.d.fail(&Error{Code: TopicAliasInvalid, Packet: r.d.t, Rule: "MQTT-3.3.2-8", Msg: "Topic Alias is 0"})
	}
}

func ctxName(ctx PacketType) string {
	if ctx == ctxWill {
		return "Will Properties"
	}
	return ctx.String()
}

// userProperty returns the User Property next returned.
func (r *propReader) userProperty() UserProperty {
	return UserProperty{Key: string(r.s), Value: string(r.s2)}
}

// bool returns the Boolean-like byte value next returned.
func (r *propReader) bool() bool { return r.u == 1 }

// Writing properties. Each packet's props method calls these in ascending
// identifier order; strings and binaries are written only when set.

func (w *writer) propByte(id, v byte) { w.u8(id); w.u8(v) }

func (w *writer) propU16(id byte, v uint16) { w.u8(id); w.u16(v) }

func (w *writer) propU32(id byte, v uint32) { w.u8(id); w.u32(v) }

func (w *writer) propBool(id byte, v bool) {
	var b byte
	if v {
		b = 1
	}
	w.propByte(id, b)
}

func (w *writer) propString(id byte, s string) {
	if s != "" {
		w.u8(id)
		w.string(s)
	}
}

func (w *writer) propBinary(id byte, b []byte) {
	if b != nil {
		w.u8(id)
		w.binary(b)
	}
}

func (w *writer) userProperties(ups []UserProperty) {
	for _, up := range ups {
		w.u8(propUserProperty)
		w.string(up.Key)
		w.string(up.Value)
	}
}
