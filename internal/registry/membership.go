package registry

import (
	"context"

	"github.com/roost-iot/roost/internal/store"
)

// GroupThingInput names a group and a thing, each by name or by ARN.
type GroupThingInput struct {
	GroupName, GroupARN string
	ThingName, ThingARN string
}

func (s *Service) resolve(name, arn, kind, label string) (string, error) {
	if name != "" {
		return name, nil
	}
	if arn == "" {
		return "", errf(InvalidRequest, "%s name or ARN is required", label)
	}
	k, n, err := s.ParseARN(arn)
	if err != nil {
		return "", err
	}
	if k != kind {
		return "", errf(InvalidRequest, "%q is not a %s ARN", arn, label)
	}
	return n, nil
}

func (s *Service) groupAndThing(in GroupThingInput) (group, thing string, err error) {
	if group, err = s.resolve(in.GroupName, in.GroupARN, KindThingGroup, "Thing group"); err != nil {
		return "", "", err
	}
	thing, err = s.resolve(in.ThingName, in.ThingARN, KindThing, "Thing")
	return group, thing, err
}

// AddThingToThingGroup adds a thing to a static group. A thing is in at most
// 10 groups, and in at most one group of a hierarchy (AWS thing groups).
func (s *Service) AddThingToThingGroup(ctx context.Context, in GroupThingInput) error {
	group, thing, err := s.groupAndThing(in)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Things().Get(ctx, thing); err != nil {
			return notFound(err, "Thing %s cannot be found.", thing)
		}
		return s.addThingToGroup(ctx, tx, group, thing)
	})
	return s.notify(err, Change{Thing: thing, Group: group})
}

// addThingToGroup adds an existing thing to a group within tx: a thing is
// in at most 10 groups, and in at most one group of a hierarchy.
func (s *Service) addThingToGroup(ctx context.Context, tx store.Tx, group, thing string) error {
	chain, err := s.ancestors(ctx, tx, group)
	if err != nil {
		return err
	}
	current, err := allLinks(ctx, tx, store.GroupThing, thing, false)
	if err != nil {
		return err
	}
	for _, l := range current {
		if l.From == group {
			return nil
		}
		other, err := s.ancestors(ctx, tx, l.From)
		if err != nil {
			return err
		}
		if other[0].Name == chain[0].Name {
			return errf(InvalidRequest, "Thing %s is already in thing group %s of the same hierarchy", thing, l.From)
		}
	}
	if len(current) >= maxGroupsPerThing {
		return errf(LimitExceeded, "Thing %s is already in the maximum of %d thing groups", thing, maxGroupsPerThing)
	}
	return tx.Links().Add(ctx, store.Link{Rel: store.GroupThing, From: group, To: thing, At: s.clock()})
}

// RemoveThingFromThingGroup removes a thing from a group; removing a thing
// that is not in the group succeeds.
func (s *Service) RemoveThingFromThingGroup(ctx context.Context, in GroupThingInput) error {
	group, thing, err := s.groupAndThing(in)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.ThingGroups().Get(ctx, group); err != nil {
			return notFound(err, "Thing group %s does not exist", group)
		}
		if _, err := tx.Things().Get(ctx, thing); err != nil {
			return notFound(err, "Thing %s cannot be found.", thing)
		}
		_, err := tx.Links().Remove(ctx, store.GroupThing, group, thing)
		return err
	})
	return s.notify(err, Change{Thing: thing, Group: group})
}

// ListThingsInThingGroup lists the things in a group, and with Recursive
// the things in its descendants too (deduplicated, in one page).
func (s *Service) ListThingsInThingGroup(ctx context.Context, group string, recursive bool, pr PageRequest) ([]string, string, error) {
	p, err := pr.page(50, 250)
	if err != nil {
		return nil, "", err
	}
	var names []string
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		if _, err := tx.ThingGroups().Get(ctx, group); err != nil {
			return notFound(err, "Thing group %s does not exist", group)
		}
		if !recursive {
			var links []store.Link
			links, next, err = tx.Links().Targets(ctx, store.GroupThing, group, p)
			names = linkEnds(links, true)
			return err
		}
		names, err = s.thingsBelow(ctx, tx, group)
		return err
	})
	return names, nextToken(next), err
}

func (s *Service) thingsBelow(ctx context.Context, tx store.Tx, group string) ([]string, error) {
	groups, err := s.descendants(ctx, tx, group, "")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, g := range append([]store.ThingGroup{{Name: group}}, groups...) {
		links, err := allLinks(ctx, tx, store.GroupThing, g.Name, true)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			if !seen[l.To] {
				seen[l.To] = true
				out = append(out, l.To)
			}
		}
	}
	return out, nil
}

// ListThingGroupsForThing lists the groups a thing is directly in.
func (s *Service) ListThingGroupsForThing(ctx context.Context, thing string, pr PageRequest) ([]GroupRef, string, error) {
	p, err := pr.page(50, 250)
	if err != nil {
		return nil, "", err
	}
	var links []store.Link
	var next string
	err = s.view(ctx, func(tx store.Tx) error {
		if _, err := tx.Things().Get(ctx, thing); err != nil {
			return notFound(err, "Thing %s cannot be found.", thing)
		}
		links, next, err = tx.Links().Sources(ctx, store.GroupThing, thing, p)
		return err
	})
	out := make([]GroupRef, len(links))
	for i, l := range links {
		out[i] = GroupRef{Name: l.From, ARN: s.ARN(KindThingGroup, l.From)}
	}
	return out, nextToken(next), err
}

// allLinks reads every edge from (asFrom) or to k.
func allLinks(ctx context.Context, tx store.Tx, rel store.Relation, k string, asFrom bool) ([]store.Link, error) {
	return drain(func(p store.Page) ([]store.Link, string, error) {
		if asFrom {
			return tx.Links().Targets(ctx, rel, k, p)
		}
		return tx.Links().Sources(ctx, rel, k, p)
	})
}

// drain reads every page of a store listing.
func drain[T any](list func(store.Page) ([]T, string, error)) ([]T, error) {
	var out []T
	p := store.Page{Limit: 250}
	for {
		rows, next, err := list(p)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if next == "" {
			return out, nil
		}
		p.After = next
	}
}

// linkEnds returns the To (to=true) or From ends of links.
func linkEnds(links []store.Link, to bool) []string {
	out := make([]string, len(links))
	for i, l := range links {
		if to {
			out[i] = l.To
		} else {
			out[i] = l.From
		}
	}
	return out
}
