package registry

import "testing"

// A load that overlapped changes is cached only if none of them would
// have dropped it had it been cached already.
func TestPrincipalCachePutAfterOverlap(t *testing.T) {
	p := &Principal{CertID: "c1", Things: []PrincipalThing{{}}}
	p.Things[0].Name = "thing1"
	cases := []struct {
		name    string
		changes []Change
		skip    int // 1-based index into changes of the loader's own, 0 for none
		cached  bool
	}{
		{"no change", nil, 0, true},
		{"other certificate", []Change{{CertID: "c2", Thing: "thing2"}}, 0, true},
		{"its certificate", []Change{{CertID: "c2"}, {CertID: "c1"}}, 0, false},
		{"its thing", []Change{{Thing: "thing1"}}, 0, false},
		{"a policy", []Change{{Policy: "p"}}, 0, false},
		{"a group", []Change{{Group: "g"}}, 0, false},
		{"its own change skipped", []Change{{CertID: "c2"}, {CertID: "c1", Thing: "thing1"}}, 2, true},
		{"own skipped, another counts", []Change{{CertID: "c1"}, {CertID: "c1", Thing: "thing1"}}, 2, false},
		{"too many to tell", make([]Change, recentChanges+1), 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c principalCache
			c.invalidate(Change{CertID: "warm-up"})
			gen := c.generation()
			var skip uint64
			for i, ch := range tc.changes {
				if g := c.invalidate(ch); i+1 == tc.skip {
					skip = g
				}
			}
			c.put(p, gen, skip)
			if got, _ := c.get("c1"); (got != nil) != tc.cached {
				t.Fatalf("cached = %v, want %v", got != nil, tc.cached)
			}
		})
	}
}
