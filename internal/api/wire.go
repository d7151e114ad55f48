package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// epoch is a timestamp on the wire: seconds since the epoch as a JSON number
// (fractional for milliseconds). aws-sdk-go-v2's rest-json deserializers
// accept only numbers here; an ISO string breaks them.
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	if t.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(t.UnixMilli())/1000, 'f', -1, 64), nil
}

func ts(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

// tag is the iot model's Tag shape (capitalized member names).
type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func tagMap(tags []tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

func tagList(m map[string]string) []tag {
	out := make([]tag, 0, len(m))
	for k, v := range m {
		out = append(out, tag{Key: k, Value: v})
	}
	return out
}

type attributePayload struct {
	Attributes map[string]string `json:"attributes,omitempty"`
	Merge      bool              `json:"merge,omitempty"`
}

// decode reads a JSON body into v. An empty body is an empty input: botocore
// sends no body for operations whose members all live in the path or query.
func (c *call) decode(v any) error {
	b := bytes.TrimSpace(c.body)
	if len(b) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return invalid("The request body is not valid JSON: %v", err)
	}
	return nil
}

func (c *call) path(name string) string { return c.r.PathValue(name) }

func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

func (c *call) queryBool(name string) (bool, error) {
	v := c.query(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalid("Query parameter %s must be true or false", name)
	}
	return b, nil
}

func (c *call) queryInt(name string) (int, error) {
	v := c.query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, invalid("Query parameter %s must be an integer", name)
	}
	return n, nil
}

func (c *call) queryInt64Ptr(name string) (*int64, error) {
	v := c.query(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, invalid("Query parameter %s must be an integer", name)
	}
	return &n, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if raw, ok := v.(rawJSON); ok {
		w.Write(raw)
		return
	}
	if v == nil {
		w.Write([]byte("{}"))
		return
	}
	json.NewEncoder(w).Encode(v)
}
