package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxDepth bounds how deeply a body may nest. Real templates nest fewer than
// fifteen levels; the bound keeps parsing and evaluation recursion shallow.
const maxDepth = 64

// object is a JSON object that keeps its keys in document order, so a plan
// lists resources and policy statements in the order the author wrote them.
type object struct {
	keys []string
	vals []any // string, json.Number, bool, nil, []any or *object
}

func (o *object) get(key string) (any, bool) {
	for i, k := range o.keys {
		if k == key {
			return o.vals[i], true
		}
	}
	return nil, false
}

// decode reads a template body into ordered objects. A key repeated in one
// object is refused: a JSON parser that keeps the last one would silently
// drop half of, say, a doubled "Resources".
//
// After the root object only whitespace and stray closing brackets may
// follow. AWS's parser stops at the end of the first value: the AWS CLI
// reference's create-provisioning-template example carries one "}" too many
// and its documented output is a success.
func decode(body []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	root, ok := v.(*object)
	if !ok {
		return nil, parseErr("", "Template format error: the template must be a JSON object.")
	}
	if rest := body[dec.InputOffset():]; len(bytes.Trim(rest, " \t\r\n}]")) != 0 {
		return nil, parseErr("", fmt.Sprintf("Template format error: JSON not well-formed: unexpected data after the template at offset %d.", dec.InputOffset()))
	}
	return root, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxErr(dec, err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth >= maxDepth {
		return nil, parseErr("", fmt.Sprintf("Template format error: nesting deeper than %d levels.", maxDepth))
	}
	switch d {
	case '{':
		o := &object{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, syntaxErr(dec, err)
			}
			key := kt.(string) // the decoder guarantees a string key here
			if _, dup := o.get(key); dup {
				return nil, parseErr("", fmt.Sprintf("Template format error: duplicate key %q.", key))
			}
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, key)
			o.vals = append(o.vals, v)
		}
		_, err = dec.Token() // '}'
		return o, syntaxErr(dec, err)
	case '[':
		list := []any{}
		for dec.More() {
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err = dec.Token() // ']'
		return list, syntaxErr(dec, err)
	}
	return nil, parseErr("", fmt.Sprintf("Template format error: JSON not well-formed: unexpected %q.", d))
}

func syntaxErr(dec *json.Decoder, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return parseErr("", fmt.Sprintf("Template format error: JSON not well-formed: %s at offset %d.", msg, dec.InputOffset()))
}

// appendJSON writes v as compact JSON, keys in document order and without
// HTML escaping, so a policy document keeps its "<", ">" and "&".
func appendJSON(b []byte, v value) []byte {
	switch v.k {
	case kString:
		return appendString(b, v.s)
	case kNumber:
		return append(b, v.s...)
	case kBool:
		if v.b {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case kList:
		b = append(b, '[')
		for i, e := range v.list {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case kObject:
		b = append(b, '{')
		for i, e := range v.list {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v.keys[i])
			b = append(b, ':')
			b = appendJSON(b, e)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
