// Package shadow owns device shadows with AWS IoT semantics: the classic
// shadow of a thing and its named shadows, each a JSON document with
// desired and reported state, per-leaf metadata timestamps, a computed
// delta and a version. It takes AWS's request documents and returns AWS's
// response documents, byte for byte, so that the transports (MQTT topics,
// the device REST API on 8443, iot-data) only route payloads: Update gives
// the /update/accepted, /update/delta and /update/documents payloads, Get
// and Delete their /accepted payloads, and a refusal is an *Error whose
// Document is the /rejected payload.
//
// Semantics (AWS IoT developer guide, device-shadow-*):
//   - An update merges: only the fields sent change, null removes a field,
//     "desired": null removes the section, "state": null clears the shadow
//     (which keeps existing). Arrays are values, replaced whole; nulls
//     inside arrays are refused. A section emptied by an update is dropped.
//   - The delta is every desired field that reported lacks or holds
//     differently, objects compared key by key (the delta keeps the path
//     from the root), arrays and other values compared whole, numbers by
//     value; reported-only fields never appear. Its metadata is desired's.
//   - /update/delta is due when the update leaves a delta and either wrote
//     into desired or made the delta grow or change (a device that drops
//     or changes a field desired still asks for is told); a report that
//     only resolves part of a delta publishes none.
//   - Every accepted update adds one to the version. A request that names
//     a version is refused with 409 unless it is the current one. Deleting
//     a shadow keeps its version, and an update after the delete continues
//     from it (the store keeps a tombstone).
//   - Timestamps are epoch seconds. A clientToken (at most 64 bytes) is
//     echoed on every document that answers a request carrying it.
//
// Updates and deletes are durable before they are answered: each is
// committed in a store transaction that reads the shadow, checks its
// version and writes it. Writes to one shadow go through one commit queue,
// in order; the queues are independent, and each commits what piled up in
// it while its previous transaction ran as one transaction (group commit),
// so concurrent writers share the cost of a commit. Reads go straight to
// the store. Do not call a Service from inside a store transaction: its
// writes need the store's writer.
//
// This package does not speak MQTT or HTTP and does not authorize: the
// transports publish the documents it returns and check the iot:*Shadow
// actions. It asks whether a thing is registered through Things (the
// registry implements it) before it writes; deleting a thing's shadows is
// the registry's part (store.Shadows.DeleteAllForThing in its own
// transaction).
package shadow

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/roost-iot/roost/internal/store"
)

// Things tells whether a thing is registered.
type Things interface {
	ThingExists(ctx context.Context, name string) (bool, error)
}

// ThingsFunc adapts a function to Things.
type ThingsFunc func(ctx context.Context, name string) (bool, error)

// ThingExists calls f.
func (f ThingsFunc) ThingExists(ctx context.Context, name string) (bool, error) { return f(ctx, name) }

// Options configure a Service. The zero value works.
type Options struct {
	// Things is asked, before a shadow is written, whether its thing is
	// registered; an update for an unknown thing is 404 Thing not found.
	// Nil accepts every thing.
	Things Things
	// Queues is the number of commit queues (default 4). A shadow always
	// uses the same queue. SQLite has one writer, so more queues mostly
	// mean smaller batches; a server store may want more.
	Queues int
	// MaxBatch bounds the requests one transaction commits (default 256).
	MaxBatch int
}

// Service is the shadow service. It is safe for concurrent use.
type Service struct {
	store    store.Store
	now      func() time.Time
	things   Things
	queues   []queue
	maxBatch int
}

// New returns a shadow service over st. now gives the time of updates and
// of the timestamps in every document; nil means time.Now.
func New(st store.Store, now func() time.Time, o Options) *Service {
	if now == nil {
		now = time.Now
	}
	if o.Queues <= 0 {
		o.Queues = 4
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	return &Service{store: st, now: now, things: o.Things, queues: make([]queue, o.Queues), maxBatch: o.MaxBatch}
}

// UpdateResult holds the documents an accepted update publishes.
type UpdateResult struct {
	// Accepted is the /update/accepted payload and UpdateThingShadow's
	// response: the request's state with its metadata, version, timestamp.
	Accepted []byte
	// Delta is the /update/delta payload, nil when none is due. One is due
	// when the update leaves desired and reported different and either
	// wrote into desired or made the difference grow or change.
	Delta []byte
	// Documents is the /update/documents payload: the shadow before
	// ("previous", null when it did not exist) and after ("current").
	Documents []byte
	// Version is the shadow's version after the update.
	Version int64
}

// Update applies an update request document to the shadow of thing named
// name ("" for the classic shadow), creating it if needed. A rejection is
// an *Error; its Document is the /update/rejected payload.
func (s *Service) Update(ctx context.Context, thing, name string, req []byte) (UpdateResult, error) {
	r, e := parseUpdate(req)
	if e == nil {
		e = checkNames(thing, name)
		if e != nil {
			e.ClientToken = r.clientToken
		}
	}
	if e == nil {
		e = s.checkThing(ctx, thing, r.clientToken)
	}
	if e != nil {
		return UpdateResult{}, s.reject(e)
	}
	j := &job{thing: thing, name: name, update: r}
	s.submit(ctx, j)
	if j.err != nil {
		return UpdateResult{}, s.reject(j.err)
	}
	return j.result, nil
}

// Get returns the /get/accepted document (GetThingShadow's response): the
// state with its delta, the metadata, version and timestamp. clientToken,
// if not "", is echoed (Service.ClientToken reads it from a /get payload).
func (s *Service) Get(ctx context.Context, thing, name, clientToken string) ([]byte, error) {
	if e := checkRequest(thing, name, clientToken); e != nil {
		return nil, s.reject(e)
	}
	var sh store.Shadow
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		sh, err = tx.Shadows().Get(ctx, thing, name)
		return err
	})
	var e *Error
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && sh.Deleted:
		e = noShadow(thing, name)
	case err != nil:
		e = internal(err)
	}
	if e != nil {
		e.ClientToken = clientToken
		return nil, s.reject(e)
	}
	doc, err := getDocument(sh, s.now().Unix(), clientToken)
	if err != nil {
		e = internal(err)
		e.ClientToken = clientToken
		return nil, s.reject(e)
	}
	return doc, nil
}

// Delete deletes the shadow and returns the /delete/accepted document
// (DeleteThingShadow's response): the version the shadow had, which the
// next update continues from, and a timestamp.
func (s *Service) Delete(ctx context.Context, thing, name, clientToken string) ([]byte, error) {
	if e := checkRequest(thing, name, clientToken); e != nil {
		return nil, s.reject(e)
	}
	j := &job{thing: thing, name: name, clientToken: clientToken}
	s.submit(ctx, j)
	if j.err != nil {
		return nil, s.reject(j.err)
	}
	return j.result.Accepted, nil
}

// Paging of ListNamedShadows: pageSize 1 to 100, 25 when 0.
const (
	defaultPageSize = 25
	maxPageSize     = 100
)

// ListNamedShadows returns ListNamedShadowsForThing's response: a page of
// the thing's named shadows (the classic one is never listed; a thing
// without shadows, or unknown, gives an empty list), the token of the
// next page, a timestamp.
func (s *Service) ListNamedShadows(ctx context.Context, thing string, pageSize int, nextToken string) ([]byte, error) {
	if e := checkNames(thing, ""); e != nil {
		return nil, s.reject(e)
	}
	if pageSize == 0 {
		pageSize = defaultPageSize
	}
	if pageSize < 1 || pageSize > maxPageSize {
		return nil, s.reject(newError(http.StatusBadRequest, "Invalid pageSize"))
	}
	var names []string
	var next string
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		names, next, err = tx.Shadows().ListNames(ctx, thing, store.Page{After: nextToken, Limit: pageSize})
		return err
	})
	if errors.Is(err, store.ErrBadCursor) {
		return nil, s.reject(newError(http.StatusBadRequest, "Invalid nextToken"))
	}
	if err != nil {
		return nil, s.reject(internal(err))
	}
	return listDocument(names, next, s.now().Unix()), nil
}

// reject stamps an error with the time of the rejection.
func (s *Service) reject(e *Error) error {
	e.Timestamp = s.now().Unix()
	return e
}

func (s *Service) checkThing(ctx context.Context, thing, token string) *Error {
	if s.things == nil {
		return nil
	}
	ok, err := s.things.ThingExists(ctx, thing)
	var e *Error
	switch {
	case err != nil:
		e = internal(err)
	case !ok:
		e = newError(http.StatusNotFound, msgThingNotFound)
	default:
		return nil
	}
	e.ClientToken = token
	return e
}

func checkRequest(thing, name, clientToken string) *Error {
	if len(clientToken) > MaxClientTokenLen {
		return newError(http.StatusBadRequest, msgClientToken)
	}
	if e := checkNames(thing, name); e != nil {
		e.ClientToken = clientToken
		return e
	}
	return nil
}

// Name rules of the iot-data model: thing names [a-zA-Z0-9:_-]+ of at
// most 128 bytes, shadow names [$a-zA-Z0-9:_-]+ of at most 64 ("" is the
// classic shadow).
const (
	maxThingName  = 128
	maxShadowName = 64
)

func checkNames(thing, name string) *Error {
	if thing == "" || len(thing) > maxThingName || !nameChars(thing, false) {
		return newError(http.StatusBadRequest, "Invalid thing name")
	}
	if len(name) > maxShadowName || !nameChars(name, true) {
		return newError(http.StatusBadRequest, "Invalid shadow name")
	}
	return nil
}

func nameChars(s string, dollar bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == ':' || c == '_' || c == '-' || dollar && c == '$'
		if !ok {
			return false
		}
	}
	return true
}
