package shadow

import (
	"fmt"
	"strconv"
)

// document is a shadow's state and metadata. Each section is nil when
// absent; a present section is never empty (emptying it removes it, as
// AWS drops an emptied desired section). Metadata mirrors the state:
// {"timestamp":T} for each scalar, an array of per-element metadata for
// each array, an object of the same keys for each object.
type document struct {
	desired, reported     *object
	mdDesired, mdReported *object
}

const (
	keyDesired  = "desired"
	keyReported = "reported"
)

// decodeDocument reads what encode wrote.
func decodeDocument(state, metadata []byte) (document, error) {
	var d document
	s, err := decodeSections(state, false)
	if err != nil {
		return d, fmt.Errorf("decode shadow state: %w", err)
	}
	m, err := decodeSections(metadata, true)
	if err != nil {
		return d, fmt.Errorf("decode shadow metadata: %w", err)
	}
	d.desired, d.reported = section(s, keyDesired), section(s, keyReported)
	d.mdDesired, d.mdReported = section(m, keyDesired), section(m, keyReported)
	if d.mdDesired == nil && d.desired != nil {
		d.mdDesired = newObject()
	}
	if d.mdReported == nil && d.reported != nil {
		d.mdReported = newObject()
	}
	return d, nil
}

func decodeSections(b []byte, metadata bool) (*object, error) {
	if len(b) == 0 {
		return newObject(), nil
	}
	p := parser{b: b, s: string(b), leaves: metadata}
	v, err := p.parse()
	if err != nil {
		return nil, err
	}
	o, ok := v.(*object)
	if !ok {
		return nil, errSyntax
	}
	return o, nil
}

func section(o *object, key string) *object {
	v, _ := o.get(key)
	s, _ := v.(*object)
	if s.len() == 0 {
		return nil
	}
	return s
}

// encoded is a document written out, with the state's size as AWS counts
// it: the bytes of desired plus those of reported, metadata aside.
type encoded struct {
	state, metadata []byte
	size            int
}

// encode writes d; sizeHint is the expected length of its state.
func (d *document) encode(sizeHint int) encoded {
	var e encoded
	e.state = make([]byte, 0, sizeHint+32)
	e.state = append(e.state, '{')
	if d.desired != nil {
		e.state = append(e.state, `"desired":`...)
		n := len(e.state)
		e.state = appendJSON(e.state, d.desired)
		e.size += len(e.state) - n
	}
	if d.reported != nil {
		if d.desired != nil {
			e.state = append(e.state, ',')
		}
		e.state = append(e.state, `"reported":`...)
		n := len(e.state)
		e.state = appendJSON(e.state, d.reported)
		e.size += len(e.state) - n
	}
	e.state = append(e.state, '}')
	e.metadata = appendSections(make([]byte, 0, 3*len(e.state)), d.mdDesired, d.mdReported)
	return e
}

func appendSections(dst []byte, desired, reported *object) []byte {
	dst = append(dst, '{')
	if desired != nil {
		dst = append(dst, `"desired":`...)
		dst = appendJSON(dst, desired)
	}
	if reported != nil {
		if desired != nil {
			dst = append(dst, ',')
		}
		dst = append(dst, `"reported":`...)
		dst = appendJSON(dst, reported)
	}
	return append(dst, '}')
}

// apply merges an update's state into d, stamping what it sets with ts.
func (d *document) apply(r *updateRequest, ts int64) {
	if r.clear {
		*d = document{}
		return
	}
	leaf := leafMetadata(ts)
	if r.hasDesired {
		mergeSection(&d.desired, &d.mdDesired, r.desired, leaf)
	}
	if r.hasReported {
		mergeSection(&d.reported, &d.mdReported, r.reported, leaf)
	}
}

// mergeSection applies patch (nil: remove the section) to a section and
// its metadata.
func mergeSection(state, md **object, patch *object, leaf *object) {
	if patch == nil {
		*state, *md = nil, nil
		return
	}
	if *state == nil {
		*state, *md = newObject(), newObject()
	}
	mergeObject(*state, *md, patch, leaf)
	if (*state).len() == 0 {
		*state, *md = nil, nil
	}
}

// mergeObject merges patch into state: null removes a key, objects merge
// key by key, anything else (arrays included) replaces the value. An
// object emptied this way stays as {}; an object made only of nulls adds
// nothing where there was no object. What it sets gets leaf as metadata.
func mergeObject(state, md, patch *object, leaf *object) {
	for i, k := range patch.keys {
		switch pv := patch.vals[i].(type) {
		case nil:
			state.del(k)
			md.del(k)
		case *object:
			if so, ok := value(state, k).(*object); ok {
				mo, ok := value(md, k).(*object)
				if !ok || isLeaf(mo) { // metadata out of step with state: rebuild it
					mo = metadataOf(so, leaf).(*object)
					md.set(k, mo)
				}
				mergeObject(so, mo, pv, leaf)
				continue
			}
			c, keep := withoutNulls(pv)
			if !keep {
				continue
			}
			state.set(k, c)
			md.set(k, metadataOf(c, leaf))
		default:
			state.set(k, pv)
			md.set(k, metadataOf(pv, leaf))
		}
	}
}

func value(o *object, k string) any {
	v, _ := o.get(k)
	return v
}

// withoutNulls copies o without its null members, recursively. keep is
// false when nulls were all there was.
func withoutNulls(o *object) (c *object, keep bool) {
	c = newObject()
	sawNull := false
	for i, k := range o.keys {
		switch v := o.vals[i].(type) {
		case nil:
			sawNull = true
		case *object:
			sub, ok := withoutNulls(v)
			if !ok {
				sawNull = true
				continue
			}
			c.set(k, sub)
		default:
			c.set(k, v)
		}
	}
	return c, !sawNull || c.len() > 0
}

// metadataOf is the metadata of v, every scalar stamped with leaf.
func metadataOf(v any, leaf *object) any {
	switch v := v.(type) {
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = metadataOf(e, leaf)
		}
		return a
	case *object:
		o := newObject()
		for i, k := range v.keys {
			o.set(k, metadataOf(v.vals[i], leaf))
		}
		return o
	}
	return leaf
}

// leafMetadata is {"timestamp":ts}. A leaf is never changed in place (a
// new value gets a new leaf), so one leaf stands for every field an update
// sets, and a decoded document shares one leaf per distinct timestamp.
func leafMetadata(ts int64) *object {
	return newLeaf(number(strconv.FormatInt(ts, 10)))
}

func newLeaf(ts number) *object {
	o := &object{}
	o.keys, o.vals = timestampKey, o.vbuf[:1]
	o.vbuf[0] = ts
	return o
}

var timestampKey = []string{"timestamp"}

// isLeaf reports whether metadata node o is a leaf, {"timestamp":N}. The
// metadata of a state object with a "timestamp" field differs: its value
// is an object or array, never a number.
func isLeaf(o *object) bool {
	if o.len() != 1 || o.keys[0] != "timestamp" {
		return false
	}
	_, ok := o.vals[0].(number)
	return ok
}

// delta is what desired asks for that reported does not show: every
// desired field missing from reported or different from it, objects
// compared key by key (keeping the path from the root), arrays and other
// values compared whole. Reported-only fields never appear. nil when
// nothing differs.
func delta(desired, reported *object) *object {
	if desired == nil {
		return nil
	}
	var out *object
	for i, k := range desired.keys {
		dv := desired.vals[i]
		rv, ok := reported.get(k)
		var dk any
		if do, isObj := dv.(*object); isObj {
			ro, _ := rv.(*object)
			if sub := delta(do, ro); sub != nil {
				dk = sub
			}
		} else if !ok || !equal(dv, rv) {
			dk = dv
		}
		if dk != nil {
			if out == nil {
				out = newObject()
			}
			out.set(k, dk)
		}
	}
	return out
}

// deltaMetadata is the desired metadata of the delta's fields.
func deltaMetadata(delta, mdDesired *object) *object {
	out := newObject()
	for i, k := range delta.keys {
		m, _ := mdDesired.get(k)
		if sub, ok := delta.vals[i].(*object); ok {
			mo, _ := m.(*object)
			m = deltaMetadata(sub, mo)
		}
		if m != nil {
			out.set(k, m)
		}
	}
	return out
}

// within reports whether every field of delta a is in b with the same
// value: an update that only resolved part of a delta leaves the rest
// within the delta before it.
func within(a, b *object) bool {
	for i, k := range a.keys {
		bv, ok := b.get(k)
		if !ok {
			return false
		}
		ao, aObj := a.vals[i].(*object)
		bo, bObj := bv.(*object)
		switch {
		case aObj && bObj:
			if !within(ao, bo) {
				return false
			}
		case !equal(a.vals[i], bv):
			return false
		}
	}
	return true
}
