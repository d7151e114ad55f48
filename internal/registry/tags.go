package registry

import (
	"context"
	"unicode/utf8"

	"github.com/roost-iot/roost/internal/store"
)

// taggable are the resource kinds that take tags here, as in AWS IoT
// (things and certificates do not take tags).
var taggable = map[string]bool{KindThingType: true, KindThingGroup: true, KindPolicy: true, KindCACert: true, KindProvisioningTemplate: true}

func checkTags(tags map[string]string) error {
	if len(tags) > maxTagsPerArn {
		return errf(InvalidRequest, "A resource can have at most %d tags", maxTagsPerArn)
	}
	for k, v := range tags {
		if k == "" || utf8.RuneCountInString(k) > 128 || utf8.RuneCountInString(v) > 256 {
			return errf(InvalidRequest, "Tag %q is invalid: keys are 1 to 128 characters, values at most 256", k)
		}
	}
	return nil
}

// taggedResource resolves an ARN to a store key and checks the resource
// exists and takes tags.
func (s *Service) taggedResource(ctx context.Context, tx store.Tx, arn string) (string, error) {
	kind, name, err := s.ParseARN(arn)
	if err != nil {
		return "", err
	}
	if !taggable[kind] {
		return "", errf(InvalidRequest, "Resource %s does not support tags", arn)
	}
	switch kind {
	case KindThingType:
		_, err = tx.ThingTypes().Get(ctx, name)
	case KindThingGroup:
		_, err = tx.ThingGroups().Get(ctx, name)
	case KindPolicy:
		_, err = tx.Policies().Get(ctx, name)
	case KindProvisioningTemplate:
		_, err = tx.ProvisioningTemplates().Get(ctx, name)
	default:
		err = store.ErrNotFound
	}
	if err != nil {
		return "", notFound(err, "Resource %s does not exist", arn)
	}
	return key(kind, name), nil
}

// TagResource adds or replaces tags on a resource.
func (s *Service) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		k, err := s.taggedResource(ctx, tx, arn)
		if err != nil {
			return err
		}
		cur, err := tx.Tags().List(ctx, k)
		if err != nil {
			return err
		}
		merged := map[string]string{}
		for t, v := range cur {
			merged[t] = v
		}
		for t, v := range tags {
			merged[t] = v
		}
		if err := checkTags(merged); err != nil {
			return err
		}
		return tx.Tags().Set(ctx, k, tags)
	})
}

// UntagResource removes tags by key.
func (s *Service) UntagResource(ctx context.Context, arn string, keys []string) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		k, err := s.taggedResource(ctx, tx, arn)
		if err != nil {
			return err
		}
		return tx.Tags().Remove(ctx, k, keys)
	})
}

// ListTagsForResource returns a resource's tags.
func (s *Service) ListTagsForResource(ctx context.Context, arn string) (map[string]string, error) {
	var out map[string]string
	err := s.view(ctx, func(tx store.Tx) error {
		k, err := s.taggedResource(ctx, tx, arn)
		if err != nil {
			return err
		}
		out, err = tx.Tags().List(ctx, k)
		return err
	})
	return out, err
}
