package storetest

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/roost-iot/roost/internal/store"
)

func template(name string) store.ProvisioningTemplate {
	return store.ProvisioningTemplate{
		Name: name, ID: "id-" + name, Description: "d " + name, Type: "FLEET_PROVISIONING", Enabled: true,
		ProvisioningRoleARN: "arn:aws:iam::123456789012:role/p", HookTargetARN: "https://hook.example/" + name,
		HookPayloadVersion: "2020-04-01", DefaultVersion: 1, NextVersion: 2, CreatedAt: at(0), UpdatedAt: at(1),
	}
}

func templateVersion(name string, id int64) store.ProvisioningTemplateVersion {
	return store.ProvisioningTemplateVersion{TemplateName: name, ID: id, Body: fmt.Sprintf(`{"v":%d}`, id), CreatedAt: at(int(id))}
}

func testProvisioningTemplates(t *testing.T, s store.Store) {
	a, b := template("a"), template("b")
	b.Enabled, b.HookTargetARN, b.HookPayloadVersion, b.Type = false, "", "", "JITP"
	update(t, s, func(tx store.Tx) error {
		pt := tx.ProvisioningTemplates()
		must(t, "create a", pt.Create(t.Context(), a))
		must(t, "create b", pt.Create(t.Context(), b))
		wantErr(t, "create again", pt.Create(t.Context(), a), store.ErrExists)
		wantErr(t, "update missing", pt.Update(t.Context(), template("x")), store.ErrNotFound)
		wantErr(t, "delete missing", pt.Delete(t.Context(), "x"), store.ErrNotFound)
		for id := int64(1); id <= 3; id++ {
			must(t, "create version", pt.CreateVersion(t.Context(), templateVersion("a", id)))
		}
		must(t, "create version b", pt.CreateVersion(t.Context(), templateVersion("b", 1)))
		wantErr(t, "version again", pt.CreateVersion(t.Context(), templateVersion("a", 2)), store.ErrExists)
		wantErr(t, "version of missing", pt.CreateVersion(t.Context(), templateVersion("x", 1)), store.ErrNotFound)
		return nil
	})
	a.Enabled, a.DefaultVersion, a.NextVersion, a.UpdatedAt = false, 3, 4, at(9)
	update(t, s, func(tx store.Tx) error { return tx.ProvisioningTemplates().Update(t.Context(), a) })
	view(t, s, func(tx store.Tx) error {
		pt := tx.ProvisioningTemplates()
		for _, want := range []store.ProvisioningTemplate{a, b} {
			got, err := pt.Get(t.Context(), want.Name)
			must(t, "get", err)
			same(t, "get "+want.Name, got, want)
		}
		v, err := pt.GetVersion(t.Context(), "a", 2)
		must(t, "get version", err)
		same(t, "version", v, templateVersion("a", 2))
		_, err = pt.GetVersion(t.Context(), "a", 9)
		wantErr(t, "get missing version", err, store.ErrNotFound)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		pt := tx.ProvisioningTemplates()
		must(t, "delete version", pt.DeleteVersion(t.Context(), "a", 1))
		wantErr(t, "delete version again", pt.DeleteVersion(t.Context(), "a", 1), store.ErrNotFound)
		return pt.Delete(t.Context(), "b")
	})
	view(t, s, func(tx store.Tx) error {
		pt := tx.ProvisioningTemplates()
		_, err := pt.Get(t.Context(), "b")
		wantErr(t, "get deleted", err, store.ErrNotFound)
		_, err = pt.GetVersion(t.Context(), "b", 1)
		wantErr(t, "version of deleted", err, store.ErrNotFound)
		return nil
	})
	got := pageAll(t, s, 1, func(tx store.Tx, p store.Page) ([]store.ProvisioningTemplateVersion, string, error) {
		return tx.ProvisioningTemplates().ListVersions(t.Context(), "a", p)
	}, func(v store.ProvisioningTemplateVersion) string { return strconv.FormatInt(v.ID, 10) })
	if !slices.Equal(got, []string{"2", "3"}) {
		t.Errorf("versions of a = %v, want [2 3]", got)
	}
}

func testProvisioningTemplatesList(t *testing.T, s store.Store) {
	var want []string
	update(t, s, func(tx store.Tx) error {
		for i := range 7 {
			name := fmt.Sprintf("t%02d", 6-i) // created out of order
			must(t, "create", tx.ProvisioningTemplates().Create(t.Context(), template(name)))
		}
		return nil
	})
	for i := range 7 {
		want = append(want, fmt.Sprintf("t%02d", i))
	}
	for _, limit := range []int{0, 1, 3, 7, 8} {
		got := pageAll(t, s, limit, func(tx store.Tx, p store.Page) ([]store.ProvisioningTemplate, string, error) {
			return tx.ProvisioningTemplates().List(t.Context(), p)
		}, func(p store.ProvisioningTemplate) string { return p.Name })
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: %v, want %v", limit, got, want)
		}
	}
}

func testCertificatesOrigin(t *testing.T, s store.Store) {
	plain, fleet, claim := cert("c1", "", at(0)), cert("c2", "", at(1)), cert("c3", "", at(2))
	fleet.Origin, claim.Origin = store.OriginFleetProvisioning, store.OriginClaim
	update(t, s, func(tx store.Tx) error {
		for _, c := range []store.Certificate{plain, fleet, claim} {
			must(t, "create", tx.Certificates().Create(t.Context(), c))
		}
		return nil
	})
	ids := func(f store.CertFilter) []string {
		return pageAll(t, s, 0, func(tx store.Tx, p store.Page) ([]store.Certificate, string, error) {
			return tx.Certificates().List(t.Context(), f, p)
		}, func(c store.Certificate) string { return c.ID })
	}
	if got := ids(store.CertFilter{Ascending: true}); !slices.Equal(got, []string{"c1", "c2"}) {
		t.Errorf("default listing = %v, want claims hidden", got)
	}
	if got := ids(store.CertFilter{Origin: store.OriginClaim}); !slices.Equal(got, []string{"c3"}) {
		t.Errorf("claims = %v", got)
	}
	if got := ids(store.CertFilter{Origin: store.OriginFleetProvisioning}); !slices.Equal(got, []string{"c2"}) {
		t.Errorf("fleet = %v", got)
	}
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Certificates().Get(t.Context(), "c3")
		must(t, "get", err)
		same(t, "claim cert", got, claim)
		return nil
	})
}
