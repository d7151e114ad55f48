package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/store"
)

func cert(id, ca string, created time.Time) store.Certificate {
	return store.Certificate{
		ID: id, PEM: "-----BEGIN CERTIFICATE-----\n" + id + "\n-----END CERTIFICATE-----\n", CAID: ca,
		Status: "ACTIVE", Mode: "DEFAULT", OwnedBy: "123456789012", CustomerVersion: 1, GenerationID: "gen-" + id,
		NotBefore: at(-3600), NotAfter: at(3600), CreatedAt: created, UpdatedAt: created,
	}
}

func testCertificates(t *testing.T, s store.Store) {
	a := cert("aaaa", "", at(0))
	// RFC 5280's "no well-defined expiration" date and the zero time.
	a.NotAfter = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	b := cert("bbbb", "ca-1", at(1))
	b.NotBefore = time.Time{}
	update(t, s, func(tx store.Tx) error {
		must(t, "create", tx.Certificates().Create(t.Context(), a))
		must(t, "create", tx.Certificates().Create(t.Context(), b))
		wantErr(t, "create again", tx.Certificates().Create(t.Context(), a), store.ErrExists)
		wantErr(t, "update missing", tx.Certificates().Update(t.Context(), cert("x", "", at(0))), store.ErrNotFound)
		wantErr(t, "delete missing", tx.Certificates().Delete(t.Context(), "x"), store.ErrNotFound)
		return nil
	})
	b.Status, b.CustomerVersion, b.UpdatedAt = "REVOKED", 2, at(90)
	update(t, s, func(tx store.Tx) error { return tx.Certificates().Update(t.Context(), b) })
	view(t, s, func(tx store.Tx) error {
		for _, want := range []store.Certificate{a, b} {
			got, err := tx.Certificates().Get(t.Context(), want.ID)
			must(t, "get", err)
			same(t, "get "+want.ID, got, want)
		}
		got, _ := tx.Certificates().Get(t.Context(), "bbbb")
		if !got.NotBefore.IsZero() {
			t.Errorf("zero NotBefore came back as %v", got.NotBefore)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.Certificates().Delete(t.Context(), "aaaa") })
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Certificates().Get(t.Context(), "aaaa")
		wantErr(t, "get deleted", err, store.ErrNotFound)
		return nil
	})
}

func testCertificatesList(t *testing.T, s store.Store) {
	var certs []store.Certificate
	for i := range 17 {
		// Several certificates share a creation time: id breaks the tie.
		id := fmt.Sprintf("%064x", (i*37)%101)
		ca := []string{"", "ca-1", "ca-2"}[i%3]
		certs = append(certs, cert(id, ca, at(i/3)))
	}
	update(t, s, func(tx store.Tx) error {
		for _, i := range shuffled(len(certs)) {
			must(t, "create", tx.Certificates().Create(t.Context(), certs[i]))
		}
		return nil
	})
	byTime := func(a, b store.Certificate) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	}
	for _, tc := range []struct {
		name string
		f    store.CertFilter
	}{
		{"ascending", store.CertFilter{Ascending: true}},
		{"descending", store.CertFilter{}},
		{"ca ascending", store.CertFilter{CAID: "ca-1", Ascending: true}},
		{"ca descending", store.CertFilter{CAID: "ca-2"}},
		{"unknown ca", store.CertFilter{CAID: "ca-9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			sorted := slices.SortedFunc(slices.Values(certs), byTime)
			if !tc.f.Ascending {
				slices.Reverse(sorted)
			}
			for _, c := range sorted {
				if tc.f.CAID == "" || c.CAID == tc.f.CAID {
					want = append(want, c.ID)
				}
			}
			list := func(tx store.Tx, p store.Page) ([]store.Certificate, string, error) {
				return tx.Certificates().List(t.Context(), tc.f, p)
			}
			samePaged(t, s, list, func(c store.Certificate) string { return c.ID }, want)
		})
	}
}

func policy(name string) store.Policy {
	return store.Policy{Name: name, DefaultVersion: 1, NextVersion: 2, GenerationID: "g-" + name, CreatedAt: at(0), UpdatedAt: at(0)}
}

func testPolicies(t *testing.T, s store.Store) {
	p := policy("allow-all")
	update(t, s, func(tx store.Tx) error {
		must(t, "create", tx.Policies().Create(t.Context(), p))
		wantErr(t, "create again", tx.Policies().Create(t.Context(), p), store.ErrExists)
		wantErr(t, "update missing", tx.Policies().Update(t.Context(), policy("x")), store.ErrNotFound)
		wantErr(t, "delete missing", tx.Policies().Delete(t.Context(), "x"), store.ErrNotFound)
		return nil
	})
	p.DefaultVersion, p.NextVersion, p.UpdatedAt = 3, 4, at(5)
	update(t, s, func(tx store.Tx) error { return tx.Policies().Update(t.Context(), p) })
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Policies().Get(t.Context(), p.Name)
		must(t, "get", err)
		same(t, "get", got, p)
		_, err = tx.Policies().Get(t.Context(), "x")
		wantErr(t, "get missing", err, store.ErrNotFound)
		return nil
	})
	all := names("policy-", 13)
	update(t, s, func(tx store.Tx) error {
		must(t, "delete", tx.Policies().Delete(t.Context(), p.Name))
		for _, i := range shuffled(len(all)) {
			must(t, "create", tx.Policies().Create(t.Context(), policy(all[i])))
		}
		return nil
	})
	key := func(p store.Policy) string { return p.Name }
	samePaged(t, s, func(tx store.Tx, pg store.Page) ([]store.Policy, string, error) {
		return tx.Policies().List(t.Context(), true, pg)
	}, key, all)
	desc := slices.Clone(all)
	slices.Reverse(desc)
	samePaged(t, s, func(tx store.Tx, pg store.Page) ([]store.Policy, string, error) {
		return tx.Policies().List(t.Context(), false, pg)
	}, key, desc)
}

func version(policy string, id int64) store.PolicyVersion {
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"%d"}]}`, id)
	return store.PolicyVersion{PolicyName: policy, ID: id, Document: doc, GenerationID: "g", CreatedAt: at(int(id)), UpdatedAt: at(int(id))}
}

func testPolicyVersions(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		must(t, "create", tx.Policies().Create(t.Context(), policy("p")))
		must(t, "create", tx.Policies().Create(t.Context(), policy("q")))
		for _, id := range []int64{3, 1, 2} {
			must(t, "create version", tx.Policies().CreateVersion(t.Context(), version("p", id)))
		}
		must(t, "create version", tx.Policies().CreateVersion(t.Context(), version("q", 1)))
		wantErr(t, "create version again", tx.Policies().CreateVersion(t.Context(), version("p", 2)), store.ErrExists)
		wantErr(t, "version of missing policy", tx.Policies().CreateVersion(t.Context(), version("x", 1)), store.ErrNotFound)
		wantErr(t, "delete missing version", tx.Policies().DeleteVersion(t.Context(), "p", 9), store.ErrNotFound)
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Policies().GetVersion(t.Context(), "p", 2)
		must(t, "get version", err)
		same(t, "get version", got, version("p", 2))
		_, err = tx.Policies().GetVersion(t.Context(), "p", 9)
		wantErr(t, "get missing version", err, store.ErrNotFound)
		vs, err := tx.Policies().ListVersions(t.Context(), "p")
		must(t, "list versions", err)
		if len(vs) != 3 {
			t.Fatalf("ListVersions: %d versions, want 3", len(vs))
		}
		for i, v := range vs {
			same(t, "list versions", v, version("p", int64(i+1)))
		}
		_, err = tx.Policies().ListVersions(t.Context(), "x")
		wantErr(t, "list versions of missing policy", err, store.ErrNotFound)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		must(t, "delete version", tx.Policies().DeleteVersion(t.Context(), "p", 1))
		return tx.Policies().Delete(t.Context(), "q")
	})
	view(t, s, func(tx store.Tx) error {
		vs, err := tx.Policies().ListVersions(t.Context(), "p")
		must(t, "list versions", err)
		if len(vs) != 2 || vs[0].ID != 2 || vs[1].ID != 3 {
			t.Errorf("after DeleteVersion: %+v", vs)
		}
		return nil
	})
	// Versions went with their policy: a new "q" starts empty.
	update(t, s, func(tx store.Tx) error { return tx.Policies().Create(t.Context(), policy("q")) })
	view(t, s, func(tx store.Tx) error {
		vs, err := tx.Policies().ListVersions(t.Context(), "q")
		must(t, "list versions", err)
		if len(vs) != 0 {
			t.Errorf("versions survived their policy: %+v", vs)
		}
		_, err = tx.Policies().GetVersion(t.Context(), "q", 1)
		wantErr(t, "get version of deleted policy", err, store.ErrNotFound)
		return nil
	})
}
