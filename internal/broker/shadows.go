package broker

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/roost-iot/roost/internal/mqtt"
	"github.com/roost-iot/roost/internal/policy"
	"github.com/roost-iot/roost/internal/shadow"
)

// Device shadows over the gateway's doors: the MQTT topics
// $aws/things/<thing>/shadow[/name/<shadow>]/{update,get,delete}, REST on
// the HTTPS port with a client certificate, and (through ShadowUpdate and
// friends) iot-data on the API port. Every accepted update publishes what
// AWS publishes, whichever door it came through: /update/accepted,
// /update/delta when a delta is left, /update/documents. MQTT requests get
// their /rejected answers on the topic; REST callers get HTTP errors.

// ServeShadows routes the shadow topics to svc.
func (b *Broker) ServeShadows(svc *shadow.Service) {
	b.mu.Lock()
	b.shadows = svc
	b.mu.Unlock()
	h := shadowTopics{b: b}
	for _, op := range []string{"update", "get", "delete"} {
		b.Handle("$aws/things/+/shadow/"+op, h)
		b.Handle("$aws/things/+/shadow/name/+/"+op, h)
	}
}

// Shadows is the shadow service, or nil when none is served.
func (b *Broker) Shadows() *shadow.Service {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.shadows
}

// shadowPrefix is "$aws/things/<thing>/shadow" or ".../shadow/name/<name>".
func shadowPrefix(thing, name string) string {
	p := "$aws/things/" + thing + "/shadow"
	if name != "" {
		p += "/name/" + name
	}
	return p
}

// emit publishes a shadow service message to every subscriber of it.
func (b *Broker) emitShadow(topic string, payload []byte) {
	if err := b.Publish(Message{Topic: topic, Payload: payload, QoS: mqtt.QoS1}); err != nil {
		b.log.Debug("shadow message not published", "topic", topic, "err", err)
	}
}

// ShadowUpdate applies an update and publishes its messages.
func (b *Broker) ShadowUpdate(ctx context.Context, thing, name string, req []byte) ([]byte, error) {
	res, err := b.Shadows().Update(ctx, thing, name, req)
	if err != nil {
		return nil, err
	}
	p := shadowPrefix(thing, name)
	b.emitShadow(p+"/update/accepted", res.Accepted)
	if res.Delta != nil {
		b.emitShadow(p+"/update/delta", res.Delta)
	}
	b.emitShadow(p+"/update/documents", res.Documents)
	return res.Accepted, nil
}

// ShadowDelete deletes a shadow and publishes /delete/accepted.
func (b *Broker) ShadowDelete(ctx context.Context, thing, name, clientToken string) ([]byte, error) {
	doc, err := b.Shadows().Delete(ctx, thing, name, clientToken)
	if err == nil {
		b.emitShadow(shadowPrefix(thing, name)+"/delete/accepted", doc)
	}
	return doc, err
}

// shadowTopics serves the MQTT shadow topics.
type shadowTopics struct{ b *Broker }

func (h shadowTopics) HandlePublish(ctx context.Context, r Request) {
	thing, name, op, ok := parseShadowTopic(r.Topic)
	if !ok {
		return
	}
	p := shadowPrefix(thing, name)
	var doc []byte
	var err error
	switch op {
	case "update":
		_, err = h.b.ShadowUpdate(ctx, thing, name, r.Payload) // publishes its own accepted messages
	case "get":
		token, _ := h.b.Shadows().ClientToken(r.Payload)
		if doc, err = h.b.Shadows().Get(ctx, thing, name, token); err == nil {
			h.b.emitShadow(p+"/get/accepted", doc)
		}
	case "delete":
		token, _ := h.b.Shadows().ClientToken(r.Payload)
		_, err = h.b.ShadowDelete(ctx, thing, name, token)
	}
	var se *shadow.Error
	if errors.As(err, &se) {
		h.b.emitShadow(p+"/"+op+"/rejected", se.Document())
	} else if err != nil {
		h.b.log.Error("shadow request failed", "topic", r.Topic, "err", err)
	}
}

// parseShadowTopic splits a shadow request topic.
func parseShadowTopic(t string) (thing, name, op string, ok bool) {
	rest, found := strings.CutPrefix(t, "$aws/things/")
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 3 && parts[1] == "shadow":
		return parts[0], "", parts[2], true
	case len(parts) == 5 && parts[1] == "shadow" && parts[2] == "name":
		return parts[0], parts[3], parts[4], true
	}
	return "", "", "", false
}

// REST on the HTTPS port: GET/POST/DELETE /things/<thing>/shadow[?name=],
// authorized with iot:GetThingShadow, iot:UpdateThingShadow and
// iot:DeleteThingShadow on thing/<thing> (named shadows also match
// thing/<thing>/<shadow> for updates, as AWS's resource table allows).
func (b *Broker) httpsShadow(w http.ResponseWriter, r *http.Request) {
	if b.Shadows() == nil {
		httpsReply(w, http.StatusNotFound, "Not Found")
		return
	}
	g, ok := b.httpsGrant(w, r)
	if !ok {
		return
	}
	thing, name := r.PathValue("thing"), r.URL.Query().Get("name")
	act := map[string]policy.Action{http.MethodGet: policy.GetThingShadow, http.MethodPost: policy.UpdateThingShadow,
		http.MethodDelete: policy.DeleteThingShadow}[r.Method]
	if !g.Allow(act, policy.KindThing, thing) && (name == "" || !g.Allow(act, policy.KindThing, thing+"/"+name)) {
		b.stats.PublishDenied.Add(1)
		writeShadowError(w, &shadow.Error{Code: http.StatusForbidden, Message: "Forbidden"})
		return
	}
	doc, err := b.restShadow(r, thing, name)
	if err != nil {
		writeShadowError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(doc)
}

func (b *Broker) restShadow(r *http.Request, thing, name string) ([]byte, error) {
	switch r.Method {
	case http.MethodGet:
		return b.Shadows().Get(r.Context(), thing, name, "")
	case http.MethodDelete:
		return b.ShadowDelete(r.Context(), thing, name, "")
	}
	body, err := readAll(r, b.limits.MaxPayload)
	if err != nil {
		return nil, &shadow.Error{Code: http.StatusRequestEntityTooLarge, Message: "The payload exceeds the maximum size allowed"}
	}
	return b.ShadowUpdate(r.Context(), thing, name, body)
}

// writeShadowError answers a REST shadow call with AWS's error document.
func writeShadowError(w http.ResponseWriter, err error) {
	var se *shadow.Error
	if !errors.As(err, &se) {
		se = &shadow.Error{Code: http.StatusInternalServerError, Message: "Internal service failure"}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(se.Code)
	w.Write(se.Document())
}
