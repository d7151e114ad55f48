package registry

import (
	"context"
	"errors"
	"maps"

	"github.com/roost-iot/roost/internal/store"
)

// Thing is a thing as DescribeThing returns it.
type Thing struct {
	store.Thing
	ARN string
}

func (s *Service) thing(t store.Thing) Thing { return Thing{Thing: t, ARN: s.ARN(KindThing, t.Name)} }

// CreateThingInput is CreateThing's input.
type CreateThingInput struct {
	Name       string
	TypeName   string
	Attributes map[string]string
	// BillingGroup is accepted only empty: billing groups are not supported.
	BillingGroup string
}

// CreateThing creates a thing. Creating a thing that exists with the same
// type and attributes succeeds and returns it, as AWS does; otherwise the
// name is taken (ResourceAlreadyExistsException).
func (s *Service) CreateThing(ctx context.Context, in CreateThingInput) (Thing, error) {
	if err := checkThingName(in.Name); err != nil {
		return Thing{}, err
	}
	if in.BillingGroup != "" {
		return Thing{}, errf(InvalidRequest, "Billing groups are not supported")
	}
	attrs := dropEmpty(in.Attributes)
	if err := checkAttributes(attrs); err != nil {
		return Thing{}, err
	}
	var out store.Thing
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.checkThingType(ctx, tx, in.TypeName, len(attrs)); err != nil {
			return err
		}
		old, err := tx.Things().Get(ctx, in.Name)
		if err == nil {
			if old.TypeName == in.TypeName && maps.Equal(old.Attributes, attrs) {
				out = old
				return nil
			}
			return exists(old.ID, s.ARN(KindThing, old.Name), "Thing %s already exists with different attributes", in.Name)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		out = store.Thing{Name: in.Name, ID: newID(), TypeName: in.TypeName, Attributes: attrs, Version: 1, CreatedAt: s.clock()}
		return tx.Things().Create(ctx, out)
	})
	return s.thing(out), err
}

// checkThingType checks that a thing may have this type and this many
// attributes: 3 without a type, 50 with one; the type must exist and not
// be deprecated.
func (s *Service) checkThingType(ctx context.Context, tx store.Tx, typeName string, nattrs int) error {
	if typeName == "" {
		if nattrs > maxAttrsUntyped {
			return errf(InvalidRequest, "A thing without a thing type can have at most %d attributes", maxAttrsUntyped)
		}
		return nil
	}
	tt, err := tx.ThingTypes().Get(ctx, typeName)
	if err != nil {
		return notFound(err, "Thing type %s does not exist", typeName)
	}
	if tt.Deprecated {
		return errf(InvalidRequest, "Can not create a new thing with deprecated thing type %s", typeName)
	}
	if nattrs > maxAttrsTyped {
		return errf(InvalidRequest, "A thing can have at most %d attributes", maxAttrsTyped)
	}
	return nil
}

// DescribeThing returns a thing.
func (s *Service) DescribeThing(ctx context.Context, name string) (Thing, error) {
	var t store.Thing
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		t, err = tx.Things().Get(ctx, name)
		return notFound(err, "Thing %s cannot be found.", name)
	})
	return s.thing(t), err
}

// ThingExists reports whether a thing exists. Things known to exist are
// cached until a change to them (DeleteThing notifies one), so the shadow
// service's check per request costs no store query.
func (s *Service) ThingExists(ctx context.Context, name string) (bool, error) {
	_, gen, ok := s.things.get(name)
	if ok {
		return true, nil
	}
	_, err := s.DescribeThing(ctx, name)
	var re *Error
	if errors.As(err, &re) && re.Code == NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.things.put(name, struct{}{}, gen)
	return true, nil
}

// UpdateThingInput is UpdateThing's input; nil fields are left unchanged.
type UpdateThingInput struct {
	Name            string
	TypeName        *string
	RemoveThingType bool
	// Attributes replace the thing's attributes, or are merged into them
	// when Merge is set; an empty value removes that attribute either way.
	Attributes      map[string]string
	HasAttributes   bool
	Merge           bool
	ExpectedVersion *int64
}

// UpdateThing changes a thing's type and attributes and bumps its version.
func (s *Service) UpdateThing(ctx context.Context, in UpdateThingInput) error {
	if in.RemoveThingType && in.TypeName != nil && *in.TypeName != "" {
		return errf(InvalidRequest, "Cannot set removeThingType and thingTypeName together")
	}
	if err := checkAttributes(dropEmpty(in.Attributes)); err != nil {
		return err
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		t, err := tx.Things().Get(ctx, in.Name)
		if err != nil {
			return notFound(err, "Thing %s cannot be found.", in.Name)
		}
		if in.ExpectedVersion != nil && *in.ExpectedVersion != t.Version {
			return errf(VersionConflict, "The version for thing %s does not match the expected version.", in.Name)
		}
		if in.TypeName != nil {
			t.TypeName = *in.TypeName
		}
		if in.RemoveThingType {
			t.TypeName = ""
		}
		if in.HasAttributes {
			t.Attributes = applyAttributes(t.Attributes, in.Attributes, in.Merge)
		}
		if err := s.checkThingType(ctx, tx, t.TypeName, len(t.Attributes)); err != nil {
			return err
		}
		t.Version++
		return tx.Things().Update(ctx, t)
	})
	return s.notify(err, Change{Thing: in.Name})
}

func applyAttributes(old, in map[string]string, merge bool) map[string]string {
	out := map[string]string{}
	if merge {
		maps.Copy(out, old)
	}
	for k, v := range in {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func dropEmpty(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// DeleteThing deletes a thing. Deleting a missing thing succeeds (AWS
// documents DeleteThing as idempotent); a thing with principals attached
// cannot be deleted.
func (s *Service) DeleteThing(ctx context.Context, name string, expectedVersion *int64) error {
	if err := checkThingName(name); err != nil {
		return err
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		t, err := tx.Things().Get(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if expectedVersion != nil && *expectedVersion != t.Version {
			return errf(VersionConflict, "The version for thing %s does not match the expected version.", name)
		}
		n, err := tx.Links().CountTargets(ctx, store.ThingPrincipal, name)
		if err != nil {
			return err
		}
		if n > 0 {
			return errf(InvalidRequest, "Cannot delete. Thing %s is still attached to one or more principals", name)
		}
		if _, err := tx.Links().RemoveAll(ctx, store.GroupThing, name, false); err != nil {
			return err
		}
		if _, err := tx.Shadows().DeleteAllForThing(ctx, name); err != nil { // deleting a thing deletes its shadows
			return err
		}
		return tx.Things().Delete(ctx, name)
	})
	return s.notify(err, Change{Thing: name})
}

// ListThingsInput is ListThings' input.
type ListThingsInput struct {
	store.ThingFilter
	PageRequest
}

// ListThings lists things by name, optionally filtered by type or attribute.
func (s *Service) ListThings(ctx context.Context, in ListThingsInput) ([]Thing, string, error) {
	if in.AttrValue != "" && in.AttrName == "" {
		return nil, "", errf(InvalidRequest, "attributeValue requires attributeName")
	}
	p, err := in.page(50, 250)
	if err != nil {
		return nil, "", err
	}
	var rows []store.Thing
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		rows, next, err = tx.Things().List(ctx, in.ThingFilter, p)
		return err
	})
	out := make([]Thing, len(rows))
	for i, t := range rows {
		out[i] = s.thing(t)
	}
	return out, nextToken(next), err
}
