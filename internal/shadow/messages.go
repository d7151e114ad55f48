package shadow

import (
	"bytes"
	"strconv"

	"github.com/roost-iot/roost/internal/store"
)

// The response documents, written field by field in the order AWS's
// examples show them.

// acceptedDocument is /update/accepted: the request's state as sent (nulls
// included) and the metadata of each of its leaves. "state": null has the
// metadata {"timestamp":T}, as AWS answers it.
func acceptedDocument(r *updateRequest, version, ts int64) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"state":`...)
	b = appendJSON(b, r.state)
	b = append(b, `,"metadata":`...)
	b = appendJSON(b, metadataOf(r.state, leafMetadata(ts)))
	b = appendVersionTime(b, version, ts)
	b = appendToken(b, r.clientToken)
	return append(b, '}')
}

func appendVersionTime(b []byte, version, ts int64) []byte {
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, version, 10)
	b = append(b, `,"timestamp":`...)
	return strconv.AppendInt(b, ts, 10)
}

// deltaDocument is /update/delta: its state is the delta itself.
func deltaDocument(delta, md *object, version, ts int64, token string) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"version":`...)
	b = strconv.AppendInt(b, version, 10)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"state":`...)
	b = appendJSON(b, delta)
	b = append(b, `,"metadata":`...)
	b = appendJSON(b, md)
	b = appendToken(b, token)
	return append(b, '}')
}

// documentsDocument is /update/documents. previous is null when the update
// created the shadow (also after a delete), as AWS publishes it.
func documentsDocument(prev *store.Shadow, cur store.Shadow, ts int64, token string) []byte {
	n := 96 + len(cur.State) + len(cur.Metadata)
	if prev != nil {
		n += len(prev.State) + len(prev.Metadata)
	}
	b := make([]byte, 0, n)
	b = append(b, `{"previous":`...)
	if prev == nil {
		b = append(b, "null"...)
	} else {
		b = appendSnapshot(b, prev)
	}
	b = append(b, `,"current":`...)
	b = appendSnapshot(b, &cur)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = appendToken(b, token)
	return append(b, '}')
}

func appendSnapshot(b []byte, s *store.Shadow) []byte {
	b = append(b, `{"state":`...)
	b = append(b, s.State...)
	b = append(b, `,"metadata":`...)
	b = append(b, s.Metadata...)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, s.Version, 10)
	return append(b, '}')
}

// getDocument is /get/accepted: the stored state with its delta added
// (when there is one), the stored metadata, version and timestamp.
func getDocument(s store.Shadow, ts int64, token string) ([]byte, error) {
	if len(s.State) == 0 {
		s.State = []byte("{}")
	}
	if len(s.Metadata) == 0 {
		s.Metadata = []byte("{}")
	}
	var dl []byte
	if bytes.HasPrefix(s.State, []byte(`{"desired":`)) { // no desired, no delta
		d, err := decodeDocument(s.State, nil)
		if err != nil {
			return nil, err
		}
		if dv := delta(d.desired, d.reported); dv != nil {
			dl = appendJSON(append(dl, `,"delta":`...), dv)
		}
	}
	b := make([]byte, 0, 64+len(s.State)+len(dl)+len(s.Metadata))
	b = append(b, `{"state":`...)
	b = append(b, s.State[:len(s.State)-1]...) // open the state object
	b = append(b, dl...)
	b = append(b, `},"metadata":`...)
	b = append(b, s.Metadata...)
	b = appendVersionTime(b, s.Version, ts)
	b = appendToken(b, token)
	return append(b, '}'), nil
}

// deleteDocument is /delete/accepted.
func deleteDocument(version, ts int64, token string) []byte {
	b := make([]byte, 0, 64+len(token))
	b = append(b, `{"version":`...)
	b = strconv.AppendInt(b, version, 10)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = appendToken(b, token)
	return append(b, '}')
}

// listDocument is ListNamedShadowsForThing's response.
func listDocument(names []string, next string, ts int64) []byte {
	b := make([]byte, 0, 64+len(next)+16*len(names))
	b = append(b, `{"results":[`...)
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, n)
	}
	b = append(b, ']')
	if next != "" {
		b = append(b, `,"nextToken":`...)
		b = appendString(b, next)
	}
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	return append(b, '}')
}
