package mqtt

import "strconv"

// Pingreq is the PINGREQ packet (§3.12).
type Pingreq struct{}

// Pingresp is the PINGRESP packet (§3.13).
type Pingresp struct{}

// Type is TypePingreq.
func (*Pingreq) Type() PacketType { return TypePingreq }

// Type is TypePingresp.
func (*Pingresp) Type() PacketType { return TypePingresp }

// Decode reads a PINGREQ, which has no body.
func (*Pingreq) Decode(h Header, body []byte, v Version) error {
	return decodeEmpty(TypePingreq, h, body, v)
}

// Decode reads a PINGRESP, which has no body.
func (*Pingresp) Decode(h Header, body []byte, v Version) error {
	return decodeEmpty(TypePingresp, h, body, v)
}

// AppendTo appends the PINGREQ.
func (*Pingreq) AppendTo(dst []byte, v Version) ([]byte, error) {
	return appendEmpty(dst, TypePingreq, v)
}

// AppendTo appends the PINGRESP.
func (*Pingresp) AppendTo(dst []byte, v Version) ([]byte, error) {
	return appendEmpty(dst, TypePingresp, v)
}

// Size is 2.
func (*Pingreq) Size(Version) int { return 2 }

// Size is 2.
func (*Pingresp) Size(Version) int { return 2 }

func decodeEmpty(t PacketType, h Header, body []byte, v Version) error {
	if err := checkHeader(h, t, v); err != nil {
		return err
	}
	if len(body) != 0 {
		return malformed(t, "§3."+strconv.Itoa(int(t))+".1", "the packet has a body")
	}
	return nil
}

func appendEmpty(dst []byte, t PacketType, v Version) ([]byte, error) {
	if v != V311 && v != V5 {
		return dst, protocolError(t, "MQTT-3.1.0-1", "no protocol version")
	}
	return append(dst, byte(t)<<4, 0), nil
}

// Disconnect is the DISCONNECT packet (§3.14). In 3.1.1 it has no body and
// only the client sends it; everything but the type is 5.0 only.
type Disconnect struct {
	ReasonCode               ReasonCode
	HasSessionExpiryInterval bool // absent: the CONNECT's value holds
	SessionExpiryInterval    uint32
	ReasonString             string
	UserProperties           []UserProperty
	ServerReference          string
}

// Type is TypeDisconnect.
func (p *Disconnect) Type() PacketType { return TypeDisconnect }

// Decode reads a DISCONNECT. In 5.0 a missing reason code is Normal
// disconnection and missing properties are none (§3.14.2.1). Everything is
// copied.
func (p *Disconnect) Decode(h Header, body []byte, v Version) error {
	*p = Disconnect{}
	if err := checkHeader(h, TypeDisconnect, v); err != nil {
		return err
	}
	d := decoder{b: body, t: TypeDisconnect, v: v}
	if v == V5 && len(d.b) > 0 {
		p.ReasonCode = d.reasonCode()
		if len(d.b) > 0 {
			p.decodeProps(&d)
		}
	}
	return d.end()
}

func (p *Disconnect) decodeProps(d *decoder) {
	r := d.properties(TypeDisconnect)
	for r.next(d) {
		switch r.id {
		case propSessionExpiryInterval:
			p.HasSessionExpiryInterval, p.SessionExpiryInterval = true, r.u
		case propReasonString:
			p.ReasonString = string(r.s)
		case propUserProperty:
			p.UserProperties = append(p.UserProperties, r.userProperty())
		case propServerReference:
			p.ServerReference = string(r.s)
		}
	}
}

// AppendTo appends the DISCONNECT, in its shortest form.
func (p *Disconnect) AppendTo(dst []byte, v Version) ([]byte, error) {
	w := writer{count: true, t: TypeDisconnect}
	p.body(&w, v)
	if w.err != nil {
		return dst, w.err
	}
	w.start(dst, byte(TypeDisconnect)<<4, w.n)
	p.body(&w, v)
	return w.b, w.err
}

// Size is the encoded size of the DISCONNECT.
func (p *Disconnect) Size(v Version) int {
	w := writer{count: true}
	p.body(&w, v)
	return packetSize(w.n)
}

func (p *Disconnect) body(w *writer, v Version) {
	if w.version(v); v != V5 {
		return
	}
	hasProps := p.HasSessionExpiryInterval || p.ReasonString != "" ||
		len(p.UserProperties) > 0 || p.ServerReference != ""
	if p.ReasonCode == NormalDisconnection && !hasProps {
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

func (p *Disconnect) props(w *writer) {
	if p.HasSessionExpiryInterval {
		w.propU32(propSessionExpiryInterval, p.SessionExpiryInterval)
	}
	w.propString(propServerReference, p.ServerReference)
	w.propString(propReasonString, p.ReasonString)
	w.userProperties(p.UserProperties)
}

// Auth is the AUTH packet (§3.15) of 5.0's enhanced authentication.
type Auth struct {
	ReasonCode           ReasonCode
	AuthenticationMethod string
	AuthenticationData   []byte
	ReasonString         string
	UserProperties       []UserProperty
}

// Type is TypeAuth.
func (p *Auth) Type() PacketType { return TypeAuth }

// Decode reads an AUTH, which 3.1.1 does not have (type 15 is reserved
// there). A missing reason code is Success. Everything is copied.
func (p *Auth) Decode(h Header, body []byte, v Version) error {
	*p = Auth{}
	if v == V311 {
		return malformed(TypeAuth, "§2.2.1", "packet type 15 is reserved in 3.1.1")
	}
	if err := checkHeader(h, TypeAuth, v); err != nil {
		return err
	}
	d := decoder{b: body, t: TypeAuth, v: v}
	if len(d.b) > 0 {
		p.ReasonCode = d.reasonCode()
		if len(d.b) > 0 {
			p.decodeProps(&d)
		}
	}
	return d.end()
}

func (p *Auth) decodeProps(d *decoder) {
	r := d.properties(TypeAuth)
	for r.next(d) {
		switch r.id {
		case propAuthenticationMethod:
			p.AuthenticationMethod = string(r.s)
		case propAuthenticationData:
			p.AuthenticationData = append([]byte{}, r.s...)
		case propReasonString:
			p.ReasonString = string(r.s)
		case propUserProperty:
			p.UserProperties = append(p.UserProperties, r.userProperty())
		}
	}
	if d.err == nil && p.AuthenticationData != nil && p.AuthenticationMethod == "" {
		d.protocol("§3.15.2.2.3", "Authentication Data without Authentication Method")
	}
}

// AppendTo appends the AUTH; it fails for 3.1.1.
func (p *Auth) AppendTo(dst []byte, v Version) ([]byte, error) {
	w := writer{count: true, t: TypeAuth}
	p.body(&w, v)
	if w.err != nil {
		return dst, w.err
	}
	w.start(dst, byte(TypeAuth)<<4, w.n)
	p.body(&w, v)
	return w.b, w.err
}

// Size is the encoded size of the AUTH.
func (p *Auth) Size(v Version) int {
	w := writer{count: true}
	p.body(&w, v)
	return packetSize(w.n)
}

func (p *Auth) body(w *writer, v Version) {
	if v != V5 {
		w.fail(ProtocolError, "§2.2.1", "AUTH does not exist before 5.0")
		return
	}
	hasProps := p.AuthenticationMethod != "" || p.AuthenticationData != nil ||
		p.ReasonString != "" || len(p.UserProperties) > 0
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

func (p *Auth) props(w *writer) {
	if p.AuthenticationData != nil && p.AuthenticationMethod == "" {
		w.fail(ProtocolError, "§3.15.2.2.3", "Authentication Data without Authentication Method")
	}
	w.propString(propAuthenticationMethod, p.AuthenticationMethod)
	w.propBinary(propAuthenticationData, p.AuthenticationData)
	w.propString(propReasonString, p.ReasonString)
	w.userProperties(p.UserProperties)
}
