package template

import (
	"encoding/json"
	"fmt"
)

// kind is the shape of an evaluated value.
type kind uint8

const (
	kNone   kind = iota // {"Ref": "AWS::NoValue"}: the property or list item is left out
	kNull               // JSON null
	kString             // s
	kNumber             // a JSON number literal; s keeps its text
	kBool               // b
	kList               // list
	kObject             // keys[i] -> list[i]
)

// value is the result of evaluating a node. It is a plain struct, not an
// interface, so evaluating strings and lists boxes nothing.
type value struct {
	k    kind
	b    bool
	s    string
	list []value
	keys []string
}

func strValue(s string) value { return value{k: kString, s: s} }

// text is v in a string context: strings and numbers as written, booleans as
// "true"/"false"; lists, objects and null have no text.
func (v value) text() (string, bool) {
	switch v.k {
	case kString, kNumber:
		return v.s, true
	case kBool:
		if v.b {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

func (k kind) String() string {
	switch k {
	case kNone:
		return "AWS::NoValue"
	case kNull:
		return "null"
	case kString:
		return "a string"
	case kNumber:
		return "a number"
	case kBool:
		return "a boolean"
	case kList:
		return "a list"
	}
	return "an object"
}

// literal converts a decoded JSON scalar.
func literal(v any) value {
	switch t := v.(type) {
	case string:
		return strValue(t)
	case json.Number:
		return value{k: kNumber, s: string(t)}
	case bool:
		return value{k: kBool, b: t}
	}
	return value{k: kNull}
}

// expectText is the error for a value that should have been a string.
func expectText(v value) error {
	return evalErr(fmt.Sprintf("expected a string, got %s", v.k))
}
