// Package storetest is the conformance suite of the store contract: every
// driver (sqlite now, postgres later) passes Run, so the registry can rely
// on the behaviour written here whatever the driver.
//
// Beyond store.go's comments, the suite pins down:
//   - Get, Update and Delete of a missing key return store.ErrNotFound;
//     Create of a taken key returns store.ErrExists. Policies.CreateVersion
//     of a missing policy and ListVersions of one are ErrNotFound.
//   - Records come back as stored, times in UTC with at least millisecond
//     precision (the suite uses whole milliseconds); the zero time
//     round-trips; empty maps and lists may come back nil.
//   - Lists page with cursors: no duplicates, no gaps, a page is never empty
//     when it carries a cursor, the last page's cursor is "", Limit <= 0
//     returns everything, and a malformed cursor is store.ErrBadCursor.
//   - Deleting a record does not touch its tags or links (registry manages
//     them), but deletes what the record owns (thing attributes, policy
//     versions).
//   - fn's error rolls back everything and is returned (errors.Is); so does
//     a panic (re-raised) or a context that ends before the commit. View is
//     read-only and runs while an Update is open, on the last committed
//     snapshot.
//
// This package only tests; it holds no driver code.
package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/store"
)

// Run runs the suite. open must return a new, empty store for each call and
// close it when t ends (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Things", testThings},
		{"ThingsList", testThingsList},
		{"ThingsFilter", testThingsFilter},
		{"ThingTypes", testThingTypes},
		{"ThingGroups", testThingGroups},
		{"ThingGroupsList", testThingGroupsList},
		{"Certificates", testCertificates},
		{"CertificatesList", testCertificatesList},
		{"Policies", testPolicies},
		{"PolicyVersions", testPolicyVersions},
		{"Links", testLinks},
		{"LinksPaging", testLinksPaging},
		{"Tags", testTags},
		{"Meta", testMeta},
		{"Retained", testRetained},
		{"Sessions", testSessions},
		{"Shadows", testShadows},
		{"ShadowsList", testShadowsList},
		{"ShadowsPurge", testShadowsPurge},
		{"ProvisioningTemplates", testProvisioningTemplates},
		{"ProvisioningTemplatesList", testProvisioningTemplatesList},
		{"CertificatesOrigin", testCertificatesOrigin},
		{"BadCursor", testBadCursor},
		{"Rollback", testRollback},
		{"RollbackOnPanic", testRollbackOnPanic},
		{"ContextCanceled", testContextCanceled},
		{"ViewIsReadOnly", testViewIsReadOnly},
		{"ViewDuringUpdate", testViewDuringUpdate},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// at is a fixed instant in a non-UTC zone, in whole milliseconds; drivers
// must return it in UTC.
func at(sec int) time.Time {
	base := time.Date(2024, 5, 6, 7, 8, 9, 123_000_000, time.FixedZone("UTC+2", 2*3600))
	return base.Add(time.Duration(sec) * time.Second)
}

func update(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantErr fails unless errors.Is(err, want).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got error %v, want %v", what, err, want)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// same compares two records after norm, which puts times in UTC and empty
// maps and lists to nil, and checks that got's times are in UTC.
func same[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	checkUTC(t, what, reflect.ValueOf(got))
	g, w := norm(reflect.ValueOf(&got).Elem()), norm(reflect.ValueOf(&want).Elem())
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

var timeType = reflect.TypeFor[time.Time]()

func checkUTC(t *testing.T, what string, v reflect.Value) {
	t.Helper()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Type() == timeType && f.Interface().(time.Time).Location() != time.UTC {
			t.Errorf("%s: %s is not in UTC: %v", what, v.Type().Field(i).Name, f.Interface())
		}
	}
}

// norm returns a normalized copy of the struct in v.
func norm(v reflect.Value) any {
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	for i := range c.NumField() {
		f := c.Field(i)
		switch {
		case f.Type() == timeType:
			f.Set(reflect.ValueOf(f.Interface().(time.Time).UTC()))
		case (f.Kind() == reflect.Map || f.Kind() == reflect.Slice) && f.Len() == 0:
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return c.Interface()
}

// lister reads one page.
type lister[T any] func(tx store.Tx, p store.Page) ([]T, string, error)

// pageAll reads every page with the given limit, checks the paging rules
// and returns the keys in the order listed.
func pageAll[T any](t *testing.T, s store.Store, limit int, list lister[T], key func(T) string) []string {
	t.Helper()
	var keys []string
	after := ""
	for i := 0; ; i++ {
		var items []T
		var next string
		view(t, s, func(tx store.Tx) error {
			var err error
			items, next, err = list(tx, store.Page{After: after, Limit: limit})
			return err
		})
		if limit > 0 && len(items) > limit {
			t.Fatalf("page %d: %d items, limit %d", i, len(items), limit)
		}
		if next != "" && len(items) == 0 {
			t.Fatalf("page %d: empty page with cursor %q", i, next)
		}
		for _, it := range items {
			keys = append(keys, key(it))
		}
		if next == "" {
			return keys
		}
		if i > 10000 {
			t.Fatal("paging does not end")
		}
		after = next
	}
}

// samePaged lists with several limits (and none) and wants the keys in
// exactly this order each time: no duplicates, no gaps.
func samePaged[T any](t *testing.T, s store.Store, list lister[T], key func(T) string, want []string) {
	t.Helper()
	for _, limit := range []int{0, 1, 2, 3, 5, len(want), len(want) + 1} {
		got := pageAll(t, s, limit, list, key)
		if !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
			t.Errorf("limit %d:\n got %q\nwant %q", limit, got, want)
		}
	}
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

// shuffled returns the indexes 0..n-1 in a fixed scrambled order, so that
// insertion order differs from key order.
func shuffled(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (i*7 + 3) % n
	}
	if n%7 == 0 {
		for i := range out {
			out[i] = n - 1 - i
		}
	}
	return out
}

func timeout(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

var errBoom = errors.New("storetest: boom")
