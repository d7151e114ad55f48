package shadow

import "strconv"

// The shadow's JSON tree. A value is nil (null), bool, number, string,
// []any or *object. Objects keep their keys in the order they came in, as
// AWS echoes them; numbers keep their text, so that 1.50 stays 1.50.

// number is a JSON number as written.
type number string

// object is a JSON object in key order. Small objects are searched
// linearly; from indexFrom keys on, an index finds keys. The first few
// members live in the object itself, so a small object is one allocation.
type object struct {
	keys []string
	vals []any
	idx  map[string]int
	kbuf [inlineMembers]string
	vbuf [inlineMembers]any
}

const inlineMembers = 4

func newObject() *object {
	o := &object{}
	o.keys, o.vals = o.kbuf[:0], o.vbuf[:0]
	return o
}

const indexFrom = 16

func (o *object) len() int {
	if o == nil {
		return 0
	}
	return len(o.keys)
}

func (o *object) find(k string) int {
	if o == nil {
		return -1
	}
	if o.idx != nil {
		if i, ok := o.idx[k]; ok {
			return i
		}
		return -1
	}
	for i, key := range o.keys {
		if key == k {
			return i
		}
	}
	return -1
}

func (o *object) get(k string) (any, bool) {
	if i := o.find(k); i >= 0 {
		return o.vals[i], true
	}
	return nil, false
}

// set replaces the value of k in place or appends k.
func (o *object) set(k string, v any) {
	if i := o.find(k); i >= 0 {
		o.vals[i] = v
		return
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	if o.idx != nil {
		o.idx[k] = len(o.keys) - 1
	} else if len(o.keys) >= indexFrom {
		o.reindex()
	}
}

func (o *object) del(k string) {
	i := o.find(k)
	if i < 0 {
		return
	}
	o.keys = append(o.keys[:i], o.keys[i+1:]...)
	o.vals = append(o.vals[:i], o.vals[i+1:]...)
	if o.idx != nil {
		o.reindex()
	}
}

func (o *object) reindex() {
	if len(o.keys) < indexFrom {
		o.idx = nil
		return
	}
	o.idx = make(map[string]int, len(o.keys))
	for i, k := range o.keys {
		o.idx[k] = i
	}
}

// appendJSON writes v compactly. Strings escape only what JSON requires,
// so that sizes match what clients send.
func appendJSON(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, v)
	case number:
		return append(dst, v...)
	case string:
		return appendString(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, e)
		}
		return append(dst, ']')
	case *object:
		dst = append(dst, '{')
		for i, k := range v.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendJSON(dst, v.vals[i])
		}
		return append(dst, '}')
	}
	panic("shadow: not a JSON value") // only the types above are ever built
}

const hexDigits = "0123456789abcdef"

func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// equal compares two values as JSON: numbers by value, objects whatever
// their key order.
func equal(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case number:
		bn, ok := b.(number)
		return ok && numbersEqual(a, bn)
	case []any:
		ba, ok := b.([]any)
		if !ok || len(a) != len(ba) {
			return false
		}
		for i := range a {
			if !equal(a[i], ba[i]) {
				return false
			}
		}
		return true
	case *object:
		bo, ok := b.(*object)
		if !ok || a.len() != bo.len() {
			return false
		}
		for i, k := range a.keys {
			bv, ok := bo.get(k)
			if !ok || !equal(a.vals[i], bv) {
				return false
			}
		}
		return true
	}
	return false
}

// numbersEqual compares integers exactly and other numbers as float64.
func numbersEqual(a, b number) bool {
	if a == b {
		return true
	}
	ia, errA := strconv.ParseInt(string(a), 10, 64)
	ib, errB := strconv.ParseInt(string(b), 10, 64)
	if errA == nil && errB == nil {
		return ia == ib
	}
	fa, errA := strconv.ParseFloat(string(a), 64)
	fb, errB := strconv.ParseFloat(string(b), 64)
	return errA == nil && errB == nil && fa == fb
}

// depth is the nesting of v: 0 for a scalar, 1 for an object or array of
// scalars, and so on.
func depth(v any) int {
	d := 0
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			d = max(d, depth(e))
		}
	case *object:
		for _, e := range v.vals {
			d = max(d, depth(e))
		}
	default:
		return 0
	}
	return d + 1
}
