package registry

import (
	"strings"
)

// Resource kinds as they appear in ARNs (arn:aws:iot:<region>:<account>:<kind>/<name>).
const (
	KindThing      = "thing"
	KindThingType  = "thingtype"
	KindThingGroup = "thinggroup"
	KindCert       = "cert"
	KindCACert     = "cacert"
	KindPolicy     = "policy"
	// KindProvisioningTemplate is a fleet provisioning or JITP template.
	KindProvisioningTemplate = "provisioningtemplate"
)

// ARN is the AWS ARN of a registry resource.
func (s *Service) ARN(kind, name string) string {
	return "arn:aws:iot:" + s.region + ":" + s.account + ":" + kind + "/" + name
}

// ParseARN splits an ARN of this installation into kind and name. ARNs of
// another partition, service, region or account are refused: they cannot
// name a resource here.
func (s *Service) ParseARN(arn string) (kind, name string, err error) {
	prefix := "arn:aws:iot:" + s.region + ":" + s.account + ":"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		return "", "", errf(InvalidRequest, "%q is not an AWS IoT ARN of region %s and account %s", arn, s.region, s.account)
	}
	kind, name, ok = strings.Cut(rest, "/")
	if !ok || kind == "" || name == "" {
		return "", "", errf(InvalidRequest, "%q is not a valid resource ARN", arn)
	}
	return kind, name, nil
}

// key is how links and tags refer to a resource inside the store: kind/name,
// independent of region and account so that renaming either keeps the links.
func key(kind, name string) string { return kind + "/" + name }

func splitKey(k string) (kind, name string) {
	kind, name, _ = strings.Cut(k, "/")
	return kind, name
}
