// Package policy parses AWS IoT policy documents and decides whether a
// principal may perform an iot:* action on a resource ARN.
//
// Documents are parsed once (Parse) and compiled per connection (Compile)
// with the connection's policy variables already substituted, so Evaluate
// does no allocation and takes no lock. An explicit Deny in any statement
// overrides every Allow; no matching statement is an implicit deny.
//
// Resource matching follows IAM: `*` is any run of characters (it crosses
// `/`), `?` is one character, and MQTT's `+` and `#` are literal. Resources
// are case-sensitive, action names are not. Conditions use the IAM operators;
// a condition whose keys are all known when compiling (certificate, thing and
// client variables) is decided then, and only request keys such as
// iot:ConnectAttributes are looked at per call (EvaluateRequest).
//
// An unresolved policy variable never widens what an Allow grants and never
// narrows what a Deny refuses; see Compile for the exact rules and why they
// differ from AWS's "leave the ${...} text in place" in one case.
//
// This package does not load policies or know about certificates stored in
// the registry: registry supplies documents, and broker caches compiled
// results per connection. It imports only the standard library.
package policy

import (
	"strconv"
	"strings"
)

// Action is an AWS IoT policy action name such as "iot:Publish".
// Callers pass the constants below; other spellings work but take a slower
// path (action names are case-insensitive, as in IAM).
type Action string

// Data-plane actions (AWS IoT developer guide, "AWS IoT Core policy actions").
const (
	Connect              Action = "iot:Connect"
	Publish              Action = "iot:Publish"
	Subscribe            Action = "iot:Subscribe"
	Receive              Action = "iot:Receive"
	RetainPublish        Action = "iot:RetainPublish" // AWS also requires iot:Publish: check both
	GetRetainedMessage   Action = "iot:GetRetainedMessage"
	ListRetainedMessages Action = "iot:ListRetainedMessages" // resource "*"
	GetThingShadow       Action = "iot:GetThingShadow"
	UpdateThingShadow    Action = "iot:UpdateThingShadow"
	DeleteThingShadow    Action = "iot:DeleteThingShadow"
	// ListNamedShadowsForThing takes the resource "*" in AWS's resource table.
	ListNamedShadowsForThing Action = "iot:ListNamedShadowsForThing"
	// Job-execution actions apply to the HTTPS jobs API only (AWS docs).
	DescribeJobExecution         Action = "iot:DescribeJobExecution"
	GetPendingJobExecutions      Action = "iot:GetPendingJobExecutions"
	UpdateJobExecution           Action = "iot:UpdateJobExecution"
	StartNextPendingJobExecution Action = "iot:StartNextPendingJobExecution"
	AssumeRoleWithCertificate    Action = "iot:AssumeRoleWithCertificate"
)

// knownActions lists the actions Compile pre-indexes; index i of a Compiled's
// table belongs to knownActions[i].
var knownActions = [...]Action{
	Connect, Publish, Subscribe, Receive, RetainPublish, GetRetainedMessage,
	ListRetainedMessages, GetThingShadow, UpdateThingShadow, DeleteThingShadow,
	ListNamedShadowsForThing, DescribeJobExecution, GetPendingJobExecutions,
	UpdateJobExecution, StartNextPendingJobExecution, AssumeRoleWithCertificate,
}

// actionIndex maps a constant to its table slot, or -1. A switch compiles to
// string comparisons: no hashing, no allocation.
func actionIndex(a Action) int {
	switch a {
	case Connect:
		return 0
	case Publish:
		return 1
	case Subscribe:
		return 2
	case Receive:
		return 3
	case RetainPublish:
		return 4
	case GetRetainedMessage:
		return 5
	case ListRetainedMessages:
		return 6
	case GetThingShadow:
		return 7
	case UpdateThingShadow:
		return 8
	case DeleteThingShadow:
		return 9
	case ListNamedShadowsForThing:
		return 10
	case DescribeJobExecution:
		return 11
	case GetPendingJobExecutions:
		return 12
	case UpdateJobExecution:
		return 13
	case StartNextPendingJobExecution:
		return 14
	case AssumeRoleWithCertificate:
		return 15
	}
	return -1
}

// Resource kinds as they appear in IoT ARNs (AWS "action resources" table).
const (
	KindClient      = "client"      // iot:Connect
	KindTopic       = "topic"       // Publish, Receive, RetainPublish, GetRetainedMessage
	KindTopicFilter = "topicfilter" // iot:Subscribe
	KindThing       = "thing"       // shadows ("thing/<name>/<shadow>" for named ones), jobs
	KindRoleAlias   = "rolealias"   // iot:AssumeRoleWithCertificate
)

// ResourceARN builds "arn:aws:iot:<region>:<account>:<kind>/<name>", the
// form every IoT resource ARN takes. Hot paths may prefer to keep the
// "arn:aws:iot:<region>:<account>:" prefix and append to a reused buffer.
func ResourceARN(region, account, kind, name string) string {
	var b strings.Builder
	b.Grow(len("arn:aws:iot:::/") + len(region) + len(account) + len(kind) + len(name))
	b.WriteString("arn:aws:iot:")
	b.WriteString(region)
	b.WriteByte(':')
	b.WriteString(account)
	b.WriteByte(':')
	b.WriteString(kind)
	b.WriteByte('/')
	b.WriteString(name)
	return b.String()
}

// Effect is the outcome of an evaluation.
type Effect uint8

// ImplicitDeny is the zero value: nothing matched, so nothing is allowed.
const (
	ImplicitDeny Effect = iota
	Allow
	ExplicitDeny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Decision is the result of Evaluate: the effect and, for Allow and
// ExplicitDeny, the statement that decided (for logs and audit).
type Decision struct {
	Effect    Effect
	Policy    string // Document.Name of the deciding policy
	Statement int    // index in the document's Statement list; -1 when implicit
	Sid       string // the statement's Sid, if it has one
}

// Allowed reports whether the action may proceed.
func (d Decision) Allowed() bool { return d.Effect == Allow }

// String formats the decision for logs, e.g. `Allow (policy "dev", statement 1)`.
// It allocates; call it only when logging.
func (d Decision) String() string {
	if d.Effect == ImplicitDeny {
		return "ImplicitDeny"
	}
	s := d.Effect.String() + " (policy " + strconv.Quote(d.Policy) + ", statement " + strconv.Itoa(d.Statement)
	if d.Sid != "" {
		s += " " + strconv.Quote(d.Sid)
	}
	return s + ")"
}
