package registry

import (
	"context"
	"errors"
	"maps"

	"github.com/roost-iot/roost/internal/store"
)

// ThingGroup is a group as DescribeThingGroup returns it.
type ThingGroup struct {
	store.ThingGroup
	ARN string
	// Ancestors runs from the root down to the direct parent.
	Ancestors []GroupRef
}

// GroupRef names a group.
type GroupRef struct{ Name, ARN string }

// CreateThingGroupInput is CreateThingGroup's input.
type CreateThingGroupInput struct {
	Name, Parent, Description string
	Attributes                map[string]string
	Tags                      map[string]string
}

// CreateThingGroup creates a static thing group under an optional parent.
// The parent is fixed for the group's life; the hierarchy is at most 7 deep.
func (s *Service) CreateThingGroup(ctx context.Context, in CreateThingGroupInput) (ThingGroup, error) {
	if err := checkGroupName(in.Name); err != nil {
		return ThingGroup{}, err
	}
	attrs := dropEmpty(in.Attributes)
	if err := firstErr(checkDescription(in.Description), checkAttributes(attrs), checkTags(in.Tags)); err != nil {
		return ThingGroup{}, err
	}
	var out store.ThingGroup
	err := s.store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.ThingGroups().Get(ctx, in.Name)
		if err == nil {
			if old.ParentName == in.Parent && old.Description == in.Description && maps.Equal(old.Attributes, attrs) {
				out = old
				return nil
			}
			return exists(old.ID, s.ARN(KindThingGroup, old.Name), "Thing group %s already exists with different properties", in.Name)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if in.Parent != "" {
			chain, err := s.ancestors(ctx, tx, in.Parent)
			if err != nil {
				return err
			}
			if len(chain)+1 >= maxGroupDepth {
				return errf(InvalidRequest, "Thing group hierarchy cannot be deeper than %d", maxGroupDepth)
			}
		}
		out = store.ThingGroup{Name: in.Name, ID: newID(), ParentName: in.Parent, Description: in.Description,
			Attributes: attrs, Version: 1, CreatedAt: s.clock()}
		if err := tx.ThingGroups().Create(ctx, out); err != nil {
			return err
		}
		return tx.Tags().Set(ctx, key(KindThingGroup, in.Name), in.Tags)
	})
	return ThingGroup{ThingGroup: out, ARN: s.ARN(KindThingGroup, out.Name)}, err
}

// ancestors returns name's chain from the root down to name itself.
func (s *Service) ancestors(ctx context.Context, tx store.Tx, name string) ([]store.ThingGroup, error) {
	var chain []store.ThingGroup
	for cur := name; cur != "" && len(chain) <= maxGroupDepth; {
		g, err := tx.ThingGroups().Get(ctx, cur)
		if err != nil {
			return nil, notFound(err, "Thing group %s does not exist", cur)
		}
		chain = append([]store.ThingGroup{g}, chain...)
		cur = g.ParentName
	}
	return chain, nil
}

// DescribeThingGroup returns a group with its ancestors.
func (s *Service) DescribeThingGroup(ctx context.Context, name string) (ThingGroup, error) {
	var out ThingGroup
	err := s.view(ctx, func(tx store.Tx) error {
		chain, err := s.ancestors(ctx, tx, name)
		if err != nil {
			return err
		}
		out = ThingGroup{ThingGroup: chain[len(chain)-1], ARN: s.ARN(KindThingGroup, name)}
		for _, g := range chain[:len(chain)-1] {
			out.Ancestors = append(out.Ancestors, GroupRef{Name: g.Name, ARN: s.ARN(KindThingGroup, g.Name)})
		}
		return nil
	})
	return out, err
}

// UpdateThingGroupInput is UpdateThingGroup's input.
type UpdateThingGroupInput struct {
	Name            string
	Description     *string
	Attributes      map[string]string
	HasAttributes   bool
	Merge           bool
	ExpectedVersion *int64
}

// UpdateThingGroup changes a group's properties and returns its new version.
func (s *Service) UpdateThingGroup(ctx context.Context, in UpdateThingGroupInput) (int64, error) {
	if err := checkAttributes(dropEmpty(in.Attributes)); err != nil {
		return 0, err
	}
	var version int64
	err := s.store.Update(ctx, func(tx store.Tx) error {
		g, err := tx.ThingGroups().Get(ctx, in.Name)
		if err != nil {
			return notFound(err, "Thing group %s does not exist", in.Name)
		}
		if in.ExpectedVersion != nil && *in.ExpectedVersion != g.Version {
			return errf(VersionConflict, "The version for thing group %s does not match the expected version.", in.Name)
		}
		if in.Description != nil {
			if err := checkDescription(*in.Description); err != nil {
				return err
			}
			g.Description = *in.Description
		}
		if in.HasAttributes {
			g.Attributes = applyAttributes(g.Attributes, in.Attributes, in.Merge)
		}
		g.Version++
		version = g.Version
		return tx.ThingGroups().Update(ctx, g)
	})
	return version, err
}

// DeleteThingGroup deletes a group without child groups; its things leave
// it and its policies are detached. A missing group is not an error.
func (s *Service) DeleteThingGroup(ctx context.Context, name string, expectedVersion *int64) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		g, err := tx.ThingGroups().Get(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if expectedVersion != nil && *expectedVersion != g.Version {
			return errf(VersionConflict, "The version for thing group %s does not match the expected version.", name)
		}
		children, _, err := tx.ThingGroups().List(ctx, store.GroupFilter{Parent: &name}, store.Page{Limit: 1})
		if err != nil {
			return err
		}
		if len(children) > 0 {
			return errf(InvalidRequest, "Cannot delete thing group : %s when there are still child groups attached to it", name)
		}
		if _, err := tx.Links().RemoveAll(ctx, store.GroupThing, name, true); err != nil {
			return err
		}
		if _, err := tx.Links().RemoveAll(ctx, store.PolicyTarget, key(KindThingGroup, name), false); err != nil {
			return err
		}
		if err := tx.Tags().DeleteAll(ctx, key(KindThingGroup, name)); err != nil {
			return err
		}
		return tx.ThingGroups().Delete(ctx, name)
	})
	return s.notify(err, Change{Group: name})
}

// ListThingGroupsInput is ListThingGroups' input.
type ListThingGroupsInput struct {
	Parent     string
	NamePrefix string
	Recursive  bool
	PageRequest
}

// ListThingGroups lists groups by name: every group, or with Parent set,
// that group's children (all its descendants when Recursive).
func (s *Service) ListThingGroups(ctx context.Context, in ListThingGroupsInput) ([]GroupRef, string, error) {
	p, err := in.page(50, 250)
	if err != nil {
		return nil, "", err
	}
	f := store.GroupFilter{NamePrefix: in.NamePrefix}
	var rows []store.ThingGroup
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		if in.Parent != "" {
			if _, err := tx.ThingGroups().Get(ctx, in.Parent); err != nil {
				return notFound(err, "Thing group %s does not exist", in.Parent)
			}
			if in.Recursive {
				rows, err = s.descendants(ctx, tx, in.Parent, in.NamePrefix)
				return err
			}
			f.Parent = &in.Parent
		}
		rows, next, err = tx.ThingGroups().List(ctx, f, p)
		return err
	})
	out := make([]GroupRef, len(rows))
	for i, g := range rows {
		out[i] = GroupRef{Name: g.Name, ARN: s.ARN(KindThingGroup, g.Name)}
	}
	return out, nextToken(next), err
}

// descendants walks the hierarchy below name (at most 7 levels deep, so a
// recursive listing is bounded and returned in one page).
func (s *Service) descendants(ctx context.Context, tx store.Tx, name, prefix string) ([]store.ThingGroup, error) {
	var out []store.ThingGroup
	level := []string{name}
	for depth := 0; depth < maxGroupDepth && len(level) > 0; depth++ {
		var nextLevel []string
		for _, parent := range level {
			kids, err := allGroups(ctx, tx, store.GroupFilter{Parent: &parent, NamePrefix: ""})
			if err != nil {
				return nil, err
			}
			for _, k := range kids {
				nextLevel = append(nextLevel, k.Name)
				if prefix == "" || len(k.Name) >= len(prefix) && k.Name[:len(prefix)] == prefix {
					out = append(out, k)
				}
			}
		}
		level = nextLevel
	}
	return out, nil
}

func allGroups(ctx context.Context, tx store.Tx, f store.GroupFilter) ([]store.ThingGroup, error) {
	return drain(func(p store.Page) ([]store.ThingGroup, string, error) { return tx.ThingGroups().List(ctx, f, p) })
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
