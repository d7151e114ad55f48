package registry

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/roost-iot/roost/internal/store"
)

// ThingType is a thing type as DescribeThingType returns it.
type ThingType struct {
	store.ThingType
	ARN string
}

// CreateThingTypeInput is CreateThingType's input.
type CreateThingTypeInput struct {
	Name                 string
	Description          string
	SearchableAttributes []string
	Properties           []byte // other thingTypeProperties, JSON, kept verbatim
	Tags                 map[string]string
}

// CreateThingType creates a thing type; an identical existing type is
// returned as is, a different one is a conflict.
func (s *Service) CreateThingType(ctx context.Context, in CreateThingTypeInput) (ThingType, error) {
	if err := checkTypeName(in.Name); err != nil {
		return ThingType{}, err
	}
	if err := checkDescription(in.Description); err != nil {
		return ThingType{}, err
	}
	if len(in.SearchableAttributes) > maxSearchable {
		return ThingType{}, errf(InvalidRequest, "A thing type can have at most %d searchable attributes", maxSearchable)
	}
	for _, a := range in.SearchableAttributes {
		if len(a) > maxNameLen || !attrNameRE.MatchString(a) {
			return ThingType{}, errf(InvalidRequest, "Searchable attribute %q is invalid", a)
		}
	}
	if err := checkTags(in.Tags); err != nil {
		return ThingType{}, err
	}
	var out store.ThingType
	err := s.store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.ThingTypes().Get(ctx, in.Name)
		if err == nil {
			if sameThingType(old, in) {
				out = old
				return nil
			}
			return exists(old.ID, s.ARN(KindThingType, in.Name), "Thing type %s already exists with a different configuration", in.Name)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		out = store.ThingType{
			Name: in.Name, ID: newID(), Description: in.Description,
			SearchableAttributes: in.SearchableAttributes, Properties: in.Properties, CreatedAt: s.clock(),
		}
		if err := tx.ThingTypes().Create(ctx, out); err != nil {
			return err
		}
		return tx.Tags().Set(ctx, key(KindThingType, in.Name), in.Tags)
	})
	return ThingType{ThingType: out, ARN: s.ARN(KindThingType, out.Name)}, err
}

func sameThingType(old store.ThingType, in CreateThingTypeInput) bool {
	return old.Description == in.Description &&
		slices.Equal(old.SearchableAttributes, in.SearchableAttributes) &&
		bytes.Equal(old.Properties, in.Properties)
}

// DescribeThingType returns a thing type.
func (s *Service) DescribeThingType(ctx context.Context, name string) (ThingType, error) {
	var t store.ThingType
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		t, err = tx.ThingTypes().Get(ctx, name)
		return notFound(err, "Thing type %s does not exist", name)
	})
	return ThingType{ThingType: t, ARN: s.ARN(KindThingType, t.Name)}, err
}

// ListThingTypes lists thing types by name; a non-empty name returns only
// that type (ListThingTypes' thingTypeName filter).
func (s *Service) ListThingTypes(ctx context.Context, name string, pr PageRequest) ([]ThingType, string, error) {
	if name != "" {
		t, err := s.DescribeThingType(ctx, name)
		var e *Error
		if errors.As(err, &e) && e.Code == NotFound {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		return []ThingType{t}, "", nil
	}
	p, err := pr.page(50, 250)
	if err != nil {
		return nil, "", err
	}
	var rows []store.ThingType
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		rows, next, err = tx.ThingTypes().List(ctx, p)
		return err
	})
	out := make([]ThingType, len(rows))
	for i, t := range rows {
		out[i] = ThingType{ThingType: t, ARN: s.ARN(KindThingType, t.Name)}
	}
	return out, nextToken(next), err
}

// DeprecateThingType deprecates a thing type, or undoes that.
func (s *Service) DeprecateThingType(ctx context.Context, name string, undo bool) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		t, err := tx.ThingTypes().Get(ctx, name)
		if err != nil {
			return notFound(err, "Thing type %s does not exist", name)
		}
		t.Deprecated = !undo
		if undo {
			t.DeprecatedAt = time.Time{}
		} else {
			t.DeprecatedAt = s.clock()
		}
		return tx.ThingTypes().Update(ctx, t)
	})
}

// DeleteThingType deletes a deprecated thing type that no thing uses.
func (s *Service) DeleteThingType(ctx context.Context, name string) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		t, err := tx.ThingTypes().Get(ctx, name)
		if err != nil {
			return notFound(err, "Thing type %s does not exist", name)
		}
		if !t.Deprecated {
			return errf(InvalidRequest, "Thing type %s must be deprecated before it can be deleted", name)
		}
		n, err := tx.Things().CountByType(ctx, name)
		if err != nil {
			return err
		}
		if n > 0 {
			return errf(InvalidRequest, "Can not delete thing type %s with %d things associated with it", name, n)
		}
		if err := tx.Tags().DeleteAll(ctx, key(KindThingType, name)); err != nil {
			return err
		}
		return tx.ThingTypes().Delete(ctx, name)
	})
}
