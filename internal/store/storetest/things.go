package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/roost-iot/roost/internal/store"
)

func thing(name, typ string, attrs map[string]string) store.Thing {
	return store.Thing{Name: name, ID: "id-" + name, TypeName: typ, Attributes: attrs, Version: 1, CreatedAt: at(0)}
}

func testThings(t *testing.T, s store.Store) {
	a := thing("alpha", "sensor", map[string]string{"color": "red", "floor": "3"})
	b := thing("beta", "", nil)
	update(t, s, func(tx store.Tx) error {
		must(t, "create alpha", tx.Things().Create(t.Context(), a))
		must(t, "create beta", tx.Things().Create(t.Context(), b))
		wantErr(t, "create alpha again", tx.Things().Create(t.Context(), a), store.ErrExists)
		got, err := tx.Things().Get(t.Context(), "alpha") // read your own writes
		must(t, "get alpha in tx", err)
		same(t, "alpha in tx", got, a)
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		for _, want := range []store.Thing{a, b} {
			got, err := tx.Things().Get(t.Context(), want.Name)
			must(t, "get "+want.Name, err)
			same(t, "get "+want.Name, got, want)
		}
		_, err := tx.Things().Get(t.Context(), "gamma")
		wantErr(t, "get missing", err, store.ErrNotFound)
		return nil
	})

	a2 := a
	a2.TypeName, a2.Version, a2.Attributes = "lamp", 2, map[string]string{"color": "blue", "size": "L"}
	update(t, s, func(tx store.Tx) error {
		must(t, "update alpha", tx.Things().Update(t.Context(), a2))
		wantErr(t, "update missing", tx.Things().Update(t.Context(), thing("gamma", "", nil)), store.ErrNotFound)
		wantErr(t, "delete missing", tx.Things().Delete(t.Context(), "gamma"), store.ErrNotFound)
		must(t, "delete beta", tx.Things().Delete(t.Context(), "beta"))
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Things().Get(t.Context(), "alpha")
		must(t, "get alpha", err)
		same(t, "updated alpha", got, a2)
		_, err = tx.Things().Get(t.Context(), "beta")
		wantErr(t, "get deleted", err, store.ErrNotFound)
		return nil
	})
	// A deleted thing leaves nothing behind: the name can be taken again.
	b2 := thing("beta", "lamp", map[string]string{"color": "green"})
	update(t, s, func(tx store.Tx) error { return tx.Things().Create(t.Context(), b2) })
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Things().Get(t.Context(), "beta")
		must(t, "get beta", err)
		same(t, "recreated beta", got, b2)
		return nil
	})
}

func testThingsList(t *testing.T, s store.Store) {
	all := names("thing-", 23)
	update(t, s, func(tx store.Tx) error {
		for _, i := range shuffled(len(all)) {
			must(t, "create", tx.Things().Create(t.Context(), thing(all[i], "", nil)))
		}
		return nil
	})
	list := func(tx store.Tx, p store.Page) ([]store.Thing, string, error) {
		return tx.Things().List(t.Context(), store.ThingFilter{}, p)
	}
	samePaged(t, s, list, thingName, all)

	// Keys deleted and added between pages: what was listed stays listed
	// once, the rest follows in order.
	var first []store.Thing
	var next string
	view(t, s, func(tx store.Tx) (err error) {
		first, next, err = list(tx, store.Page{Limit: 5})
		return err
	})
	update(t, s, func(tx store.Tx) error {
		must(t, "delete", tx.Things().Delete(t.Context(), all[1]))
		must(t, "delete", tx.Things().Delete(t.Context(), all[7]))
		return tx.Things().Create(t.Context(), thing("thing-010a", "", nil))
	})
	var rest []store.Thing
	view(t, s, func(tx store.Tx) (err error) {
		rest, _, err = list(tx, store.Page{After: next})
		return err
	})
	var got []string
	for _, th := range append(first, rest...) {
		got = append(got, th.Name)
	}
	want := slices.Concat(all[:5], all[5:7], all[8:11], []string{"thing-010a"}, all[11:])
	if !slices.Equal(got, want) {
		t.Errorf("list across changes:\n got %q\nwant %q", got, want)
	}
}

func thingName(th store.Thing) string { return th.Name }

// fleet creates things whose type and attributes the filter tests select on.
func fleet(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		for i := range 30 {
			typ := []string{"sensor", "lamp", ""}[i%3]
			attrs := map[string]string{"floor": fmt.Sprint(i % 4), "room": fmt.Sprintf("r%d", i%10)}
			if i%5 == 0 {
				attrs["serial"] = fmt.Sprintf("SN-%02d", i)
			}
			if i%6 == 0 {
				attrs = nil
			}
			th := thing(fmt.Sprintf("dev-%02d", i), typ, attrs)
			must(t, "create", tx.Things().Create(t.Context(), th))
		}
		return nil
	})
}

func testThingsFilter(t *testing.T, s store.Store) {
	fleet(t, s)
	var everything []store.Thing
	view(t, s, func(tx store.Tx) (err error) {
		everything, _, err = tx.Things().List(t.Context(), store.ThingFilter{}, store.Page{})
		return err
	})
	tests := []struct {
		name string
		f    store.ThingFilter
	}{
		{"type", store.ThingFilter{TypeName: "lamp"}},
		{"attr value", store.ThingFilter{AttrName: "floor", AttrValue: "2"}},
		{"attr prefix", store.ThingFilter{AttrName: "room", AttrValue: "r1", AttrPrefix: true}},
		{"attr prefix everything", store.ThingFilter{AttrName: "serial", AttrValue: "SN-", AttrPrefix: true}},
		{"attr name only", store.ThingFilter{AttrName: "serial"}},
		{"value of any attr", store.ThingFilter{AttrValue: "r3"}},
		{"type and attr", store.ThingFilter{TypeName: "sensor", AttrName: "floor", AttrValue: "1"}},
		{"type and prefix", store.ThingFilter{TypeName: "", AttrName: "room", AttrValue: "r", AttrPrefix: true}},
		{"no match", store.ThingFilter{AttrName: "floor", AttrValue: "9"}},
		{"prefix is not a substring", store.ThingFilter{AttrName: "serial", AttrValue: "N-", AttrPrefix: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, th := range everything {
				if matches(th, tc.f) {
					want = append(want, th.Name)
				}
			}
			list := func(tx store.Tx, p store.Page) ([]store.Thing, string, error) {
				return tx.Things().List(t.Context(), tc.f, p)
			}
			samePaged(t, s, list, thingName, want)
		})
	}
	testThingsFilterFollowsUpdates(t, s)
}

// matches is the reference for ThingFilter.
func matches(th store.Thing, f store.ThingFilter) bool {
	if f.TypeName != "" && th.TypeName != f.TypeName {
		return false
	}
	if f.AttrName == "" && f.AttrValue == "" {
		return true
	}
	for k, v := range th.Attributes {
		nameOK := f.AttrName == "" || k == f.AttrName
		valueOK := f.AttrValue == "" || v == f.AttrValue ||
			f.AttrPrefix && len(v) >= len(f.AttrValue) && v[:len(f.AttrValue)] == f.AttrValue
		if nameOK && valueOK {
			return true
		}
	}
	return false
}

func testThingsFilterFollowsUpdates(t *testing.T, s store.Store) {
	f := store.ThingFilter{AttrName: "floor", AttrValue: "77"}
	update(t, s, func(tx store.Tx) error {
		th, err := tx.Things().Get(t.Context(), "dev-01")
		must(t, "get", err)
		th.Attributes = map[string]string{"floor": "77"}
		th.TypeName = "lamp"
		must(t, "update", tx.Things().Update(t.Context(), th))
		th.Name = "dev-99"
		return tx.Things().Create(t.Context(), th)
	})
	view(t, s, func(tx store.Tx) error {
		got, _, err := tx.Things().List(t.Context(), f, store.Page{})
		must(t, "list", err)
		if len(got) != 2 || got[0].Name != "dev-01" || got[1].Name != "dev-99" {
			t.Errorf("after update: got %v", got)
		}
		old, _, err := tx.Things().List(t.Context(), store.ThingFilter{AttrName: "room", AttrValue: "r1"}, store.Page{})
		must(t, "list", err)
		for _, th := range old {
			if th.Name == "dev-01" {
				t.Error("dev-01 still matches an attribute it no longer has")
			}
		}
		n, err := tx.Things().CountByType(t.Context(), "lamp")
		must(t, "count", err)
		if n != 11 {
			t.Errorf("CountByType(lamp) = %d, want 11", n)
		}
		n, err = tx.Things().CountByType(t.Context(), "nosuch")
		must(t, "count", err)
		if n != 0 {
			t.Errorf("CountByType(nosuch) = %d, want 0", n)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.Things().Delete(t.Context(), "dev-99") })
	view(t, s, func(tx store.Tx) error {
		got, _, err := tx.Things().List(t.Context(), f, store.Page{})
		must(t, "list", err)
		if len(got) != 1 {
			t.Errorf("after delete: got %v", got)
		}
		return nil
	})
}

func testThingTypes(t *testing.T, s store.Store) {
	a := store.ThingType{Name: "lamp", ID: "tt-1", Description: "a lamp", SearchableAttributes: []string{"color", "watts"},
		Properties: []byte(`{"mqtt5Configuration":{"propagatingAttributes":[]}}`), CreatedAt: at(0)}
	b := store.ThingType{Name: "sensor", ID: "tt-2", CreatedAt: at(1)}
	update(t, s, func(tx store.Tx) error {
		must(t, "create", tx.ThingTypes().Create(t.Context(), a))
		must(t, "create", tx.ThingTypes().Create(t.Context(), b))
		wantErr(t, "create again", tx.ThingTypes().Create(t.Context(), b), store.ErrExists)
		wantErr(t, "update missing", tx.ThingTypes().Update(t.Context(), store.ThingType{Name: "x"}), store.ErrNotFound)
		wantErr(t, "delete missing", tx.ThingTypes().Delete(t.Context(), "x"), store.ErrNotFound)
		return nil
	})
	b.Deprecated, b.DeprecatedAt, b.Description = true, at(60), "old"
	update(t, s, func(tx store.Tx) error { return tx.ThingTypes().Update(t.Context(), b) })
	view(t, s, func(tx store.Tx) error {
		for _, want := range []store.ThingType{a, b} {
			got, err := tx.ThingTypes().Get(t.Context(), want.Name)
			must(t, "get", err)
			same(t, "get "+want.Name, got, want)
		}
		got, _ := tx.ThingTypes().Get(t.Context(), "lamp")
		if !got.DeprecatedAt.IsZero() {
			t.Errorf("zero DeprecatedAt came back as %v", got.DeprecatedAt)
		}
		_, err := tx.ThingTypes().Get(t.Context(), "x")
		wantErr(t, "get missing", err, store.ErrNotFound)
		return nil
	})
	all := names("type-", 11)
	update(t, s, func(tx store.Tx) error {
		must(t, "delete", tx.ThingTypes().Delete(t.Context(), "lamp"))
		must(t, "delete", tx.ThingTypes().Delete(t.Context(), "sensor"))
		for _, i := range shuffled(len(all)) {
			must(t, "create", tx.ThingTypes().Create(t.Context(), store.ThingType{Name: all[i], CreatedAt: at(i)}))
		}
		return nil
	})
	list := func(tx store.Tx, p store.Page) ([]store.ThingType, string, error) {
		return tx.ThingTypes().List(t.Context(), p)
	}
	samePaged(t, s, list, func(tt store.ThingType) string { return tt.Name }, all)
}

func group(name, parent string) store.ThingGroup {
	return store.ThingGroup{Name: name, ID: "g-" + name, ParentName: parent, Version: 1, CreatedAt: at(0)}
}

func testThingGroups(t *testing.T, s store.Store) {
	root := group("building", "")
	root.Description, root.Attributes = "HQ", map[string]string{"city": "Lyon"}
	child := group("floor-1", "building")
	update(t, s, func(tx store.Tx) error {
		must(t, "create", tx.ThingGroups().Create(t.Context(), root))
		must(t, "create", tx.ThingGroups().Create(t.Context(), child))
		wantErr(t, "create again", tx.ThingGroups().Create(t.Context(), child), store.ErrExists)
		wantErr(t, "update missing", tx.ThingGroups().Update(t.Context(), group("x", "")), store.ErrNotFound)
		wantErr(t, "delete missing", tx.ThingGroups().Delete(t.Context(), "x"), store.ErrNotFound)
		return nil
	})
	child.ParentName, child.Version, child.Attributes = "", 2, map[string]string{"k": "v"}
	update(t, s, func(tx store.Tx) error { return tx.ThingGroups().Update(t.Context(), child) })
	view(t, s, func(tx store.Tx) error {
		for _, want := range []store.ThingGroup{root, child} {
			got, err := tx.ThingGroups().Get(t.Context(), want.Name)
			must(t, "get", err)
			same(t, "get "+want.Name, got, want)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.ThingGroups().Delete(t.Context(), "building") })
	view(t, s, func(tx store.Tx) error {
		_, err := tx.ThingGroups().Get(t.Context(), "building")
		wantErr(t, "get deleted", err, store.ErrNotFound)
		return nil
	})
}

func testThingGroupsList(t *testing.T, s store.Store) {
	roots := []string{"east", "north", "west"}
	kids := names("north-", 7)
	update(t, s, func(tx store.Tx) error {
		for _, r := range roots {
			must(t, "create", tx.ThingGroups().Create(t.Context(), group(r, "")))
		}
		for _, i := range shuffled(len(kids)) {
			must(t, "create", tx.ThingGroups().Create(t.Context(), group(kids[i], "north")))
		}
		must(t, "create", tx.ThingGroups().Create(t.Context(), group("north-000-a", "north-000")))
		return nil
	})
	empty, north, nosuch := "", "north", "nosuch"
	tests := []struct {
		name string
		f    store.GroupFilter
		want []string
	}{
		{"all", store.GroupFilter{}, slices.Concat([]string{"east", "north"}, kids[:1], []string{"north-000-a"}, kids[1:], []string{"west"})},
		{"roots", store.GroupFilter{Parent: &empty}, roots},
		{"children", store.GroupFilter{Parent: &north}, kids},
		{"no children", store.GroupFilter{Parent: &nosuch}, nil},
		{"prefix", store.GroupFilter{NamePrefix: "north-00"}, slices.Concat(kids[:1], []string{"north-000-a"}, kids[1:])},
		{"prefix and parent", store.GroupFilter{Parent: &empty, NamePrefix: "no"}, []string{"north"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list := func(tx store.Tx, p store.Page) ([]store.ThingGroup, string, error) {
				return tx.ThingGroups().List(t.Context(), tc.f, p)
			}
			samePaged(t, s, list, func(g store.ThingGroup) string { return g.Name }, tc.want)
		})
	}
}
