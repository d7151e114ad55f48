// Package store defines how Roost persists its state: the records of each
// aggregate (things, thing types, groups, certificates, policies, links
// between them, tags) and one small interface per aggregate.
//
// Every read and write happens inside a transaction (Store.View or
// Store.Update), so a service can check a rule and act on it atomically, e.g.
// refuse to delete a certificate that is still attached. Drivers live in
// sub-packages (sqlite/ is the embedded default); storetest/ holds the one
// conformance suite every driver must pass.
//
// This package knows nothing of AWS semantics (name rules, limits, which
// deletes are refused): registry owns those. It imports no Roost package.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Get-style methods when no record has the key.
var ErrNotFound = errors.New("store: not found")

// ErrExists is returned by Create-style methods when the key is taken.
var ErrExists = errors.New("store: already exists")

// ErrBadCursor is returned by List methods when Page.After is not a cursor
// the driver made (for example a client-supplied nextToken was altered).
var ErrBadCursor = errors.New("store: invalid page cursor")

// Store opens transactions. Update serializes writers; View may run
// concurrently with other readers and one writer.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx gives access to each aggregate within one transaction. The values it
// returns are only valid until fn returns.
type Tx interface {
	Things() Things
	ThingTypes() ThingTypes
	ThingGroups() ThingGroups
	Certificates() Certificates
	Policies() Policies
	Links() Links
	Tags() Tags
	Meta() Meta
	Retained() Retained
	Sessions() Sessions
	Shadows() Shadows
	ProvisioningTemplates() ProvisioningTemplates
}

// Page asks for at most Limit items after the opaque cursor After ("" for the
// first page). List methods return the cursor of the next page, or "" when
// there is none. Cursors are made by the driver; callers pass them back as is
// (a malformed one gives ErrBadCursor). Limit <= 0 means no limit.
type Page struct {
	After string
	Limit int
}

// Thing is a registry thing.
type Thing struct {
	Name       string
	ID         string
	TypeName   string
	Attributes map[string]string
	Version    int64
	CreatedAt  time.Time
}

// ThingFilter narrows Things.List. Empty fields do not filter.
type ThingFilter struct {
	TypeName   string
	AttrName   string
	AttrValue  string
	AttrPrefix bool // AttrValue is a prefix of the attribute's value
}

// Things is the thing aggregate, ordered by name.
type Things interface {
	Get(ctx context.Context, name string) (Thing, error)
	Create(ctx context.Context, t Thing) error // ErrExists when the name is taken
	Update(ctx context.Context, t Thing) error // ErrNotFound when missing
	Delete(ctx context.Context, name string) error
	List(ctx context.Context, f ThingFilter, p Page) ([]Thing, string, error)
	CountByType(ctx context.Context, typeName string) (int, error)
}

// ThingType is a registry thing type.
type ThingType struct {
	Name                 string
	ID                   string
	Description          string
	SearchableAttributes []string
	// Properties holds fields the registry stores and returns verbatim
	// (for example mqtt5Configuration) as a JSON object, or nil.
	Properties   []byte
	Deprecated   bool
	DeprecatedAt time.Time
	CreatedAt    time.Time
}

// ThingTypes is the thing type aggregate, ordered by name.
type ThingTypes interface {
	Get(ctx context.Context, name string) (ThingType, error)
	Create(ctx context.Context, t ThingType) error
	Update(ctx context.Context, t ThingType) error
	Delete(ctx context.Context, name string) error
	List(ctx context.Context, p Page) ([]ThingType, string, error)
}

// ThingGroup is a static thing group.
type ThingGroup struct {
	Name        string
	ID          string
	ParentName  string // "" for a root group
	Description string
	Attributes  map[string]string
	Version     int64
	CreatedAt   time.Time
}

// GroupFilter narrows ThingGroups.List. Parent nil lists every group; a
// non-nil Parent lists the direct children of *Parent ("" = root groups).
type GroupFilter struct {
	Parent     *string
	NamePrefix string
}

// ThingGroups is the thing group aggregate, ordered by name.
type ThingGroups interface {
	Get(ctx context.Context, name string) (ThingGroup, error)
	Create(ctx context.Context, g ThingGroup) error
	Update(ctx context.Context, g ThingGroup) error
	Delete(ctx context.Context, name string) error
	List(ctx context.Context, f GroupFilter, p Page) ([]ThingGroup, string, error)
}

// Certificate is a device or claim certificate known to the registry.
type Certificate struct {
	ID              string // hex SHA-256 of the DER
	PEM             string
	CAID            string // registered CA certificate id, "" if none
	Status          string // ACTIVE, INACTIVE, REVOKED, PENDING_ACTIVATION, ...
	Mode            string // DEFAULT or SNI_ONLY
	OwnedBy         string // account id
	CustomerVersion int64
	GenerationID    string
	NotBefore       time.Time
	NotAfter        time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// Origin says how the certificate came to be, where that matters
	// after its creation: "" for the control plane's certificates,
	// OriginFleetProvisioning, OriginClaim.
	Origin string
}

// Certificate origins.
const (
	// OriginFleetProvisioning: created over MQTT by the fleet provisioning
	// API; removed if never registered.
	OriginFleetProvisioning = "fleet-provisioning"
	// OriginClaim: a temporary claim certificate from
	// CreateProvisioningClaim; hidden from listings unless asked for.
	OriginClaim = "claim"
)

// CertFilter narrows Certificates.List.
type CertFilter struct {
	CAID      string // only certificates issued by this registered CA
	Ascending bool   // by creation date (then id); descending otherwise
	// Origin, when set, lists only certificates of that origin; when
	// empty, every certificate except OriginClaim ones.
	Origin string
}

// Certificates is the certificate aggregate.
type Certificates interface {
	Get(ctx context.Context, id string) (Certificate, error)
	Create(ctx context.Context, c Certificate) error
	Update(ctx context.Context, c Certificate) error
	Delete(ctx context.Context, id string) error
	List(ctx context.Context, f CertFilter, p Page) ([]Certificate, string, error)
}

// Policy is an IoT policy; its documents live in its versions.
type Policy struct {
	Name           string
	DefaultVersion int64
	NextVersion    int64 // the id the next CreatePolicyVersion gets
	GenerationID   string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// PolicyVersion is one version of a policy document.
type PolicyVersion struct {
	PolicyName   string
	ID           int64
	Document     string
	GenerationID string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Policies is the policy aggregate, ordered by name; versions by id.
type Policies interface {
	Get(ctx context.Context, name string) (Policy, error)
	Create(ctx context.Context, p Policy) error
	Update(ctx context.Context, p Policy) error
	Delete(ctx context.Context, name string) error // deletes its versions too
	List(ctx context.Context, ascending bool, p Page) ([]Policy, string, error)

	GetVersion(ctx context.Context, name string, id int64) (PolicyVersion, error)
	CreateVersion(ctx context.Context, v PolicyVersion) error
	DeleteVersion(ctx context.Context, name string, id int64) error
	ListVersions(ctx context.Context, name string) ([]PolicyVersion, error)
}

// Relation names a kind of link between two keys.
type Relation string

// The relations the registry keeps. From and To are given per relation.
const (
	PolicyTarget   Relation = "policy-target"   // from policy name to target (certificate or group ARN)
	ThingPrincipal Relation = "thing-principal" // from thing name to principal ARN; Attr is the principal type
	GroupThing     Relation = "group-thing"     // from group name to thing name
)

// Link is one edge of a relation.
type Link struct {
	Rel  Relation
	From string
	To   string
	Attr string
	At   time.Time
}

// Links holds the many-to-many edges between aggregates. Listing is ordered
// by the opposite key (To for Targets, From for Sources).
type Links interface {
	// Add creates the edge; an existing edge is kept (its Attr updated).
	Add(ctx context.Context, l Link) error
	// Remove deletes the edge and reports whether it existed.
	Remove(ctx context.Context, rel Relation, from, to string) (bool, error)
	Targets(ctx context.Context, rel Relation, from string, p Page) ([]Link, string, error)
	Sources(ctx context.Context, rel Relation, to string, p Page) ([]Link, string, error)
	CountTargets(ctx context.Context, rel Relation, from string) (int, error)
	CountSources(ctx context.Context, rel Relation, to string) (int, error)
	// RemoveAll deletes every edge of rel whose From is key (asFrom) or
	// whose To is key, and returns how many were removed.
	RemoveAll(ctx context.Context, rel Relation, key string, asFrom bool) (int, error)
}

// Tags holds resource tags keyed by resource ARN.
type Tags interface {
	List(ctx context.Context, arn string) (map[string]string, error)
	Set(ctx context.Context, arn string, tags map[string]string) error // merges
	Remove(ctx context.Context, arn string, keys []string) error
	DeleteAll(ctx context.Context, arn string) error
}

// Meta is a small key/value table for installation-wide values.
type Meta interface {
	Get(ctx context.Context, key string) (string, error) // ErrNotFound when unset
	Put(ctx context.Context, key, value string) error
}

// RetainedMessage is the retained MQTT message of one topic.
type RetainedMessage struct {
	Topic     string
	Payload   []byte
	QoS       byte
	Props     []byte // MQTT 5 properties as the gateway encodes them; opaque here
	UpdatedAt time.Time
}

// Retained holds the gateway's retained messages, ordered by topic.
type Retained interface {
	Put(ctx context.Context, m RetainedMessage) error // insert or replace
	Delete(ctx context.Context, topic string) error   // a missing topic is not an error
	Get(ctx context.Context, topic string) (RetainedMessage, error)
	List(ctx context.Context, p Page) ([]RetainedMessage, string, error)
}

// Session is a persistent MQTT session: what must outlive its connection
// and a restart of the server.
type Session struct {
	ClientID      string
	Subscriptions []byte    // as the gateway encodes them; opaque here
	ExpiresAt     time.Time // when an offline session ends; zero while connected
	UpdatedAt     time.Time
}

// QueuedMessage is a QoS 1 message waiting for a persistent session.
type QueuedMessage struct {
	ClientID string
	Seq      int64 // given by Enqueue; increases in enqueue order
	Topic    string
	Payload  []byte
	QoS      byte
	Props    []byte // opaque, as for RetainedMessage
	At       time.Time
}

// Sessions holds persistent sessions, ordered by client id, and their
// queued messages, ordered by Seq.
type Sessions interface {
	Get(ctx context.Context, clientID string) (Session, error)
	Put(ctx context.Context, s Session) error          // insert or replace
	Delete(ctx context.Context, clientID string) error // and its queue; missing is not an error
	List(ctx context.Context, p Page) ([]Session, string, error)
	Enqueue(ctx context.Context, m QueuedMessage) (int64, error)
	Dequeue(ctx context.Context, clientID string, seq int64) error // missing is not an error
	Queued(ctx context.Context, clientID string) ([]QueuedMessage, error)
}

// Shadow is one device shadow of a thing: its classic shadow (Name "") or
// a named one. State and Metadata are JSON objects that the shadow service
// owns and the store keeps as opaque bytes.
//
// A deleted shadow stays as a tombstone (Deleted, with State and Metadata
// nil) that keeps its Version, so that a shadow written again under the
// same name continues from that version, as in AWS.
type Shadow struct {
	ThingName string
	Name      string
	State     []byte
	Metadata  []byte
	Version   int64
	Deleted   bool
	UpdatedAt time.Time
}

// Shadows is the shadow aggregate, keyed by (thing name, shadow name).
// Checking a shadow's version before writing it is the caller's job, in
// the same transaction.
type Shadows interface {
	// Get returns the shadow, a tombstone included (Deleted);
	// ErrNotFound when none was ever written.
	Get(ctx context.Context, thing, name string) (Shadow, error)
	// Put inserts or replaces the shadow; a tombstone comes back to life.
	Put(ctx context.Context, s Shadow) error
	// Delete turns the shadow into a tombstone that keeps its version;
	// ErrNotFound when there is no live shadow.
	Delete(ctx context.Context, thing, name string, at time.Time) error
	// ListNames lists the names of the thing's live named shadows (never
	// the classic one), ordered by name.
	ListNames(ctx context.Context, thing string, p Page) ([]string, string, error)
	// DeleteAllForThing removes every shadow of the thing, tombstones
	// included, and returns how many live shadows it removed.
	DeleteAllForThing(ctx context.Context, thing string) (int, error)
	// PurgeDeleted removes the tombstones deleted before the given time
	// and returns how many it removed.
	PurgeDeleted(ctx context.Context, before time.Time) (int, error)
}

// ProvisioningTemplate is a fleet provisioning or JITP template; its bodies
// live in its versions.
type ProvisioningTemplate struct {
	Name                string
	ID                  string
	Description         string
	Type                string // FLEET_PROVISIONING or JITP
	Enabled             bool
	ProvisioningRoleARN string
	HookTargetARN       string // "" when there is no pre-provisioning hook
	HookPayloadVersion  string
	DefaultVersion      int64
	NextVersion         int64 // the id the next version gets
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// ProvisioningTemplateVersion is one version of a template body.
type ProvisioningTemplateVersion struct {
	TemplateName string
	ID           int64
	Body         string
	CreatedAt    time.Time
}

// ProvisioningTemplates is the provisioning template aggregate, ordered by
// name; versions by id.
type ProvisioningTemplates interface {
	Get(ctx context.Context, name string) (ProvisioningTemplate, error)
	Create(ctx context.Context, t ProvisioningTemplate) error // ErrExists when the name is taken
	Update(ctx context.Context, t ProvisioningTemplate) error // ErrNotFound when missing
	Delete(ctx context.Context, name string) error            // deletes its versions too
	List(ctx context.Context, p Page) ([]ProvisioningTemplate, string, error)

	GetVersion(ctx context.Context, name string, id int64) (ProvisioningTemplateVersion, error)
	CreateVersion(ctx context.Context, v ProvisioningTemplateVersion) error // ErrExists when the id is taken
	DeleteVersion(ctx context.Context, name string, id int64) error
	// ListVersions lists a template's versions by id.
	ListVersions(ctx context.Context, name string, p Page) ([]ProvisioningTemplateVersion, string, error)
}
