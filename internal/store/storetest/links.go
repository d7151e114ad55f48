package storetest

import (
	"maps"
	"testing"

	"github.com/roost-iot/roost/internal/store"
)

func link(rel store.Relation, from, to, attr string) store.Link {
	return store.Link{Rel: rel, From: from, To: to, Attr: attr, At: at(0)}
}

func testLinks(t *testing.T, s store.Store) {
	const cert1, cert2 = "arn:aws:iot:eu-west-1:123456789012:cert/1", "arn:aws:iot:eu-west-1:123456789012:cert/2"
	update(t, s, func(tx store.Tx) error {
		ls := tx.Links()
		must(t, "add", ls.Add(t.Context(), link(store.ThingPrincipal, "lamp", cert1, "EXCLUSIVE_THING")))
		must(t, "add", ls.Add(t.Context(), link(store.ThingPrincipal, "lamp", cert2, "")))
		must(t, "add", ls.Add(t.Context(), link(store.ThingPrincipal, "fan", cert1, "")))
		must(t, "add", ls.Add(t.Context(), link(store.PolicyTarget, "lamp", cert1, ""))) // another relation
		// Adding again keeps the edge (and its time) and updates Attr.
		again := link(store.ThingPrincipal, "fan", cert1, "NON_EXCLUSIVE_THING")
		again.At = at(500)
		must(t, "add again", ls.Add(t.Context(), again))
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		ls := tx.Links()
		got, next, err := ls.Targets(t.Context(), store.ThingPrincipal, "lamp", store.Page{})
		must(t, "targets", err)
		if next != "" || len(got) != 2 {
			t.Fatalf("targets of lamp: %+v, cursor %q", got, next)
		}
		same(t, "target 0", got[0], link(store.ThingPrincipal, "lamp", cert1, "EXCLUSIVE_THING"))
		same(t, "target 1", got[1], link(store.ThingPrincipal, "lamp", cert2, ""))
		got, _, err = ls.Sources(t.Context(), store.ThingPrincipal, cert1, store.Page{})
		must(t, "sources", err)
		if len(got) != 2 {
			t.Fatalf("sources of cert1: %+v", got)
		}
		same(t, "source 0", got[0], link(store.ThingPrincipal, "fan", cert1, "NON_EXCLUSIVE_THING"))
		same(t, "source 1", got[1], link(store.ThingPrincipal, "lamp", cert1, "EXCLUSIVE_THING"))
		wantCount(t, "targets of lamp", 2)(ls.CountTargets(t.Context(), store.ThingPrincipal, "lamp"))
		wantCount(t, "sources of cert1", 2)(ls.CountSources(t.Context(), store.ThingPrincipal, cert1))
		wantCount(t, "policy targets of lamp", 1)(ls.CountTargets(t.Context(), store.PolicyTarget, "lamp"))
		wantCount(t, "targets of nobody", 0)(ls.CountTargets(t.Context(), store.ThingPrincipal, "nobody"))
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		ls := tx.Links()
		ok, err := ls.Remove(t.Context(), store.ThingPrincipal, "lamp", cert2)
		must(t, "remove", err)
		if !ok {
			t.Error("Remove of an edge reported false")
		}
		ok, err = ls.Remove(t.Context(), store.ThingPrincipal, "lamp", cert2)
		must(t, "remove again", err)
		if ok {
			t.Error("Remove of a missing edge reported true")
		}
		wantCount(t, "RemoveAll to cert1", 2)(ls.RemoveAll(t.Context(), store.ThingPrincipal, cert1, false))
		wantCount(t, "RemoveAll from lamp", 1)(ls.RemoveAll(t.Context(), store.PolicyTarget, "lamp", true))
		wantCount(t, "RemoveAll from nobody", 0)(ls.RemoveAll(t.Context(), store.PolicyTarget, "nobody", true))
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		for _, rel := range []store.Relation{store.ThingPrincipal, store.PolicyTarget, store.GroupThing} {
			for _, key := range []string{"lamp", "fan", cert1, cert2} {
				wantCount(t, string(rel)+" from "+key, 0)(tx.Links().CountTargets(t.Context(), rel, key))
				wantCount(t, string(rel)+" to "+key, 0)(tx.Links().CountSources(t.Context(), rel, key))
			}
		}
		return nil
	})
}

// wantCount checks a (count, error) result.
func wantCount(t *testing.T, what string, want int) func(int, error) {
	return func(n int, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		} else if n != want {
			t.Errorf("%s: %d, want %d", what, n, want)
		}
	}
}

func testLinksPaging(t *testing.T, s store.Store) {
	things := names("thing-", 19)
	groups := names("group-", 8)
	update(t, s, func(tx store.Tx) error {
		for _, i := range shuffled(len(things)) {
			must(t, "add", tx.Links().Add(t.Context(), link(store.GroupThing, "group-003", things[i], "")))
		}
		for _, i := range shuffled(len(groups)) {
			must(t, "add", tx.Links().Add(t.Context(), link(store.GroupThing, groups[i], "thing-005", "")))
		}
		// Deleting a thing or group does not touch its links.
		must(t, "create thing", tx.Things().Create(t.Context(), thing("thing-005", "", nil)))
		must(t, "delete thing", tx.Things().Delete(t.Context(), "thing-005"))
		return nil
	})
	samePaged(t, s, func(tx store.Tx, p store.Page) ([]store.Link, string, error) {
		return tx.Links().Targets(t.Context(), store.GroupThing, "group-003", p)
	}, func(l store.Link) string { return l.To }, things)
	samePaged(t, s, func(tx store.Tx, p store.Page) ([]store.Link, string, error) {
		return tx.Links().Sources(t.Context(), store.GroupThing, "thing-005", p)
	}, func(l store.Link) string { return l.From }, groups)
}

func testTags(t *testing.T, s store.Store) {
	const arn, other = "arn:aws:iot:eu-west-1:123456789012:thing/lamp", "arn:aws:iot:eu-west-1:123456789012:thing/fan"
	wantTags := func(arn string, want map[string]string) {
		t.Helper()
		view(t, s, func(tx store.Tx) error {
			got, err := tx.Tags().List(t.Context(), arn)
			must(t, "list tags", err)
			if len(got) != len(want) || !maps.Equal(got, want) && len(want) > 0 {
				t.Errorf("tags of %s: got %v, want %v", arn, got, want)
			}
			return nil
		})
	}
	wantTags(arn, nil)
	update(t, s, func(tx store.Tx) error {
		must(t, "set", tx.Tags().Set(t.Context(), arn, map[string]string{"env": "prod", "team": "a"}))
		must(t, "set other", tx.Tags().Set(t.Context(), other, map[string]string{"env": "dev"}))
		return tx.Tags().Set(t.Context(), arn, map[string]string{"team": "b", "cost": "42"}) // merges
	})
	wantTags(arn, map[string]string{"env": "prod", "team": "b", "cost": "42"})
	update(t, s, func(tx store.Tx) error {
		return tx.Tags().Remove(t.Context(), arn, []string{"team", "missing"})
	})
	wantTags(arn, map[string]string{"env": "prod", "cost": "42"})
	update(t, s, func(tx store.Tx) error { return tx.Tags().DeleteAll(t.Context(), arn) })
	wantTags(arn, nil)
	wantTags(other, map[string]string{"env": "dev"})
}

func testMeta(t *testing.T, s store.Store) {
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Meta().Get(t.Context(), "account-id")
		wantErr(t, "get unset", err, store.ErrNotFound)
		return nil
	})
	for _, v := range []string{"123456789012", "210987654321"} {
		update(t, s, func(tx store.Tx) error { return tx.Meta().Put(t.Context(), "account-id", v) })
		view(t, s, func(tx store.Tx) error {
			got, err := tx.Meta().Get(t.Context(), "account-id")
			must(t, "get", err)
			if got != v {
				t.Errorf("meta: got %q, want %q", got, v)
			}
			return nil
		})
	}
}

func testBadCursor(t *testing.T, s store.Store) {
	fleet(t, s)
	for _, bad := range []string{"!!not a cursor!!", "%%%"} {
		p := store.Page{After: bad, Limit: 2}
		view(t, s, func(tx store.Tx) error {
			_, _, err := tx.Things().List(t.Context(), store.ThingFilter{}, p)
			wantErr(t, "things", err, store.ErrBadCursor)
			_, _, err = tx.Certificates().List(t.Context(), store.CertFilter{}, p)
			wantErr(t, "certificates", err, store.ErrBadCursor)
			_, _, err = tx.Links().Targets(t.Context(), store.GroupThing, "g", p)
			wantErr(t, "links", err, store.ErrBadCursor)
			_, _, err = tx.Policies().List(t.Context(), true, p)
			wantErr(t, "policies", err, store.ErrBadCursor)
			return nil
		})
	}
}
