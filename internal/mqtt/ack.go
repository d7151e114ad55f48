package mqtt

// Puback is the PUBACK packet (§3.4), the answer to a QoS 1 PUBLISH.
// Pubrec, Pubrel and Pubcomp have the same fields. In 5.0 a Success with no
// properties is encoded in the short two-byte form (§3.4.2.1).
type Puback struct {
	PacketID       uint16
	ReasonCode     ReasonCode // 5.0 only
	ReasonString   string     // 5.0 only
	UserProperties []UserProperty
}

// Pubrec is the PUBREC packet (§3.5), the first answer to a QoS 2 PUBLISH.
type Pubrec Puback

// Pubrel is the PUBREL packet (§3.6), the answer to a PUBREC.
type Pubrel Puback

// Pubcomp is the PUBCOMP packet (§3.7), the answer to a PUBREL.
type Pubcomp Puback

// Type is TypePuback.
func (p *Puback) Type() PacketType { return TypePuback }

// Type is TypePubrec.
func (p *Pubrec) Type() PacketType { return TypePubrec }

// Type is TypePubrel.
func (p *Pubrel) Type() PacketType { return TypePubrel }

// Type is TypePubcomp.
func (p *Pubcomp) Type() PacketType { return TypePubcomp }

// Decode reads a PUBACK. Everything is copied.
func (p *Puback) Decode(h Header, body []byte, v Version) error {
	return p.decode(TypePuback, h, body, v)
}

// Decode reads a PUBREC. Everything is copied.
func (p *Pubrec) Decode(h Header, body []byte, v Version) error {
	return (*Puback)(p).decode(TypePubrec, h, body, v)
}

// Decode reads a PUBREL. Everything is copied.
func (p *Pubrel) Decode(h Header, body []byte, v Version) error {
	return (*Puback)(p).decode(TypePubrel, h, body, v)
}

// Decode reads a PUBCOMP. Everything is copied.
func (p *Pubcomp) Decode(h Header, body []byte, v Version) error {
	return (*Puback)(p).decode(TypePubcomp, h, body, v)
}

// AppendTo appends the PUBACK.
func (p *Puback) AppendTo(dst []byte, v Version) ([]byte, error) {
	return p.appendTo(dst, TypePuback, v)
}

// AppendTo appends the PUBREC.
func (p *Pubrec) AppendTo(dst []byte, v Version) ([]byte, error) {
	return (*Puback)(p).appendTo(dst, TypePubrec, v)
}

// AppendTo appends the PUBREL.
func (p *Pubrel) AppendTo(dst []byte, v Version) ([]byte, error) {
	return (*Puback)(p).appendTo(dst, TypePubrel, v)
}

// AppendTo appends the PUBCOMP.
func (p *Pubcomp) AppendTo(dst []byte, v Version) ([]byte, error) {
	return (*Puback)(p).appendTo(dst, TypePubcomp, v)
}

// Size is the encoded size of the PUBACK.
func (p *Puback) Size(v Version) int { return p.size(TypePuback, v) }

// Size is the encoded size of the PUBREC.
func (p *Pubrec) Size(v Version) int { return (*Puback)(p).size(TypePubrec, v) }

// Size is the encoded size of the PUBREL.
func (p *Pubrel) Size(v Version) int { return (*Puback)(p).size(TypePubrel, v) }

// Size is the encoded size of the PUBCOMP.
func (p *Pubcomp) Size(v Version) int { return (*Puback)(p).size(TypePubcomp, v) }

// decode reads any of the four: a Packet Identifier, then in 5.0 a reason
// code and properties, each left out when the Remaining Length ends before
// it (§3.4.2.1, §3.4.2.2.1).
func (p *Puback) decode(t PacketType, h Header, body []byte, v Version) error {
	*p = Puback{}
	if err := checkHeader(h, t, v); err != nil {
		return err
	}
	d := decoder{b: body, t: t, v: v}
	p.PacketID = d.packetID() // [MQTT-2.3.1-6] [MQTT-2.2.1-5]
	if v == V5 && len(d.b) > 0 {
		p.ReasonCode = d.reasonCode()
		if len(d.b) > 0 {
			r := d.properties(t)
			for r.next(&d) {
				switch r.id {
				case propReasonString:
					p.ReasonString = string(r.s)
				case propUserProperty:
					p.UserProperties = append(p.UserProperties, r.userProperty())
				}
			}
		}
	}
	return d.end()
}

func (p *Puback) appendTo(dst []byte, t PacketType, v Version) ([]byte, error) {
	w := writer{count: true, t: t}
	p.body(&w, v)
	if w.err != nil {
		return dst, w.err
	}
	first := byte(t) << 4
	if t == TypePubrel {
		first |= 0x2 // [MQTT-3.6.1-1]
	}
	w.start(dst, first, w.n)
	p.body(&w, v)
	return w.b, w.err
}

func (p *Puback) size(t PacketType, v Version) int {
	w := writer{count: true, t: t}
	p.body(&w, v)
	return packetSize(w.n)
}

func (p *Puback) body(w *writer, v Version) {
	w.version(v)
	w.packetID(p.PacketID)
	if v != V5 {
		return
	}
	hasProps := p.ReasonString != "" || len(p.UserProperties) > 0
	if p.ReasonCode == Success && !hasProps {
		return
	}
	w.reasonCode(p.ReasonCode)
	if hasProps {
		pw := writer{count: true, t: w.t}
		p.props(&pw)
		w.vbi(pw.n)
		p.props(w)
	}
}

func (p *Puback) props(w *writer) {
	w.propString(propReasonString, p.ReasonString)
	w.userProperties(p.UserProperties)
}
