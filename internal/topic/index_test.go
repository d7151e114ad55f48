package topic

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// randomTopic builds a random name (wild false) or filter over a small
// alphabet, so that random filters and names often meet.
func randomTopic(r *rand.Rand, wild bool) string {
	alphabet := []string{"a", "b", "c", "", "$x", "d.e"}
	n := 1 + r.IntN(5)
	levels := make([]string, n)
	for i := range levels {
		levels[i] = alphabet[r.IntN(len(alphabet))]
		if wild {
			switch p := r.IntN(10); {
			case p < 3:
				levels[i] = "+"
			case p < 4 && i == n-1:
				levels[i] = "#"
			}
		}
	}
	return strings.Join(levels, "/")
}

// entry is one (share, filter, value) triple of the reference.
type entry struct {
	share, filter string
	v             int
	ref           refFilter
}

// checkIndex compares x.Match with a brute-force scan of entries for each
// name.
func checkIndex(t *testing.T, m Matching, x *Index[int], entries map[int]entry, names []string) {
	t.Helper()
	var ms Matches[int]
	var want, wantShared, got, gotShared []int
	for _, name := range names {
		levels := strings.Split(name, "/")
		want, wantShared = want[:0], wantShared[:0]
		for _, e := range entries {
			switch {
			case !e.ref.matchLevels(name, levels):
			case e.share == "":
				want = append(want, e.v)
			default:
				wantShared = append(wantShared, e.v)
			}
		}
		ms.Reset()
		x.Match(name, &ms)
		got, gotShared = append(got[:0], ms.Values...), gotShared[:0]
		for _, g := range ms.Groups {
			for _, v := range g.Members {
				if e := entries[v]; e.share != g.Name || e.filter != g.Filter {
					t.Fatalf("value %d in group %q %q, want %q %q", v, g.Name, g.Filter, e.share, e.filter)
				}
				gotShared = append(gotShared, v)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		slices.Sort(wantShared)
		slices.Sort(gotShared)
		if !slices.Equal(got, want) || !slices.Equal(gotShared, wantShared) {
			t.Fatalf("%v Match(%q):\n got %v %v\nwant %v %v", m, name, got, gotShared, want, wantShared)
		}
	}
}

// TestIndexProperty checks the Index against brute force on thousands of
// random filters and names, through adds, removes and pruning.
func TestIndexProperty(t *testing.T) {
	for _, m := range []Matching{AWSMatching, SpecMatching} {
		t.Run(m.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(m)))
			x := NewIndex[int](m)
			entries := map[int]entry{}
			for v := range 3000 {
				e := entry{filter: randomTopic(r, true), v: v}
				if r.IntN(5) == 0 {
					e.share = []string{"g1", "g2"}[r.IntN(2)]
				}
				e.ref = newRefFilter(m, e.filter)
				entries[v] = e
				if !add(x, e) {
					t.Fatalf("add %v reported a duplicate", e)
				}
				if add(x, e) {
					t.Fatalf("second add %v reported new", e)
				}
			}
			names := make([]string, 1000)
			for i := range names {
				names[i] = randomTopic(r, false)
			}
			checkIndex(t, m, x, entries, names)
			for v, e := range entries { // remove about half
				if v%2 == 0 {
					continue
				}
				if !remove(x, e) || remove(x, e) {
					t.Fatalf("remove %v", e)
				}
				delete(entries, v)
			}
			if x.Len() != len(entries) {
				t.Fatalf("Len %d, want %d", x.Len(), len(entries))
			}
			checkIndex(t, m, x, entries, names)
			for _, e := range entries {
				remove(x, e)
			}
			if x.Len() != 0 || !x.root.empty() {
				t.Fatalf("not empty after removing everything: %d", x.Len())
			}
		})
	}
}

func add(x *Index[int], e entry) bool {
	if e.share != "" {
		return x.AddShared(e.share, e.filter, e.v)
	}
	return x.Add(e.filter, e.v)
}

func remove(x *Index[int], e entry) bool {
	if e.share != "" {
		return x.RemoveShared(e.share, e.filter, e.v)
	}
	return x.Remove(e.filter, e.v)
}

func TestIndexManyValues(t *testing.T) {
	// Past maxSubs values per filter and maxKids children per node, the
	// Index switches to maps; removing them switches back.
	x := NewIndex[int](AWSMatching)
	const n = 100
	for i := range n {
		x.Add("broadcast/all", i)
		x.Add(fmt.Sprintf("things/t%d/cmd", i), i)
	}
	var ms Matches[int]
	x.Match("broadcast/all", &ms)
	if len(ms.Values) != n {
		t.Fatalf("got %d values, want %d", len(ms.Values), n)
	}
	for i := 0; i < n; i += 2 {
		if !x.Remove("broadcast/all", i) || !x.Remove(fmt.Sprintf("things/t%d/cmd", i), i) {
			t.Fatalf("remove %d", i)
		}
	}
	ms.Reset()
	x.Match("broadcast/all", &ms)
	slices.Sort(ms.Values)
	for j, v := range ms.Values {
		if v != 2*j+1 {
			t.Fatalf("values after removal: %v", ms.Values)
		}
	}
	ms.Reset()
	x.Match("things/t7/cmd", &ms)
	if !slices.Equal(ms.Values, []int{7}) {
		t.Fatalf("things/t7/cmd: %v", ms.Values)
	}
	for i := 1; i < n; i += 2 {
		x.Remove("broadcast/all", i)
		x.Remove(fmt.Sprintf("things/t%d/cmd", i), i)
	}
	if x.Len() != 0 || !x.root.empty() {
		t.Fatal("not empty")
	}
}

func TestIndexShared(t *testing.T) {
	x := NewIndex[string](AWSMatching)
	x.AddShared("workers", "jobs/+", "w1")
	x.AddShared("workers", "jobs/+", "w2")
	x.AddShared("workers", "jobs/+", "w3")
	x.AddShared("audit", "jobs/#", "a1")
	x.Add("jobs/+", "plain")
	var ms Matches[string]
	x.Match("jobs/42", &ms)
	if !slices.Equal(ms.Values, []string{"plain"}) || len(ms.Groups) != 2 {
		t.Fatalf("got %v %v", ms.Values, ms.Groups)
	}
	var g Group[string]
	for _, h := range ms.Groups {
		if h.Name == "workers" {
			g = h
		}
	}
	if g.Filter != "jobs/+" || !slices.Equal(g.Members, []string{"w1", "w2", "w3"}) {
		t.Fatalf("group %+v", g)
	}
	var picks []string
	for range 6 {
		picks = append(picks, g.Pick())
	}
	if !slices.Equal(picks, []string{"w1", "w2", "w3", "w1", "w2", "w3"}) {
		t.Fatalf("round robin: %v", picks)
	}
	// A snapshot does not change when members leave.
	x.RemoveShared("workers", "jobs/+", "w2")
	if !slices.Equal(g.Members, []string{"w1", "w2", "w3"}) {
		t.Fatalf("snapshot changed: %v", g.Members)
	}
	ms.Reset()
	x.Match("jobs/42", &ms)
	for _, h := range ms.Groups {
		if h.Name == "workers" && !slices.Equal(h.Members, []string{"w1", "w3"}) {
			t.Fatalf("after removal: %v", h.Members)
		}
	}
	if x.RemoveShared("nobody", "jobs/+", "w1") || x.RemoveShared("workers", "jobs/+", "w2") {
		t.Fatal("removed what is not there")
	}
}

func TestIndexDollar(t *testing.T) {
	x := NewIndex[string](SpecMatching)
	for _, f := range []string{"#", "+/things/#", "$aws/#", "$aws/things/+/shadow/update", "$share/g/a"} {
		x.Add(f, f)
	}
	var ms Matches[string]
	x.Match("$aws/things/t1/shadow/update", &ms)
	slices.Sort(ms.Values)
	if want := []string{"$aws/#", "$aws/things/+/shadow/update"}; !slices.Equal(ms.Values, want) {
		t.Fatalf("got %v, want %v", ms.Values, want)
	}
	ms.Reset()
	x.Match("$aws", &ms) // "$aws/#" matches its parent under SpecMatching
	if !slices.Equal(ms.Values, []string{"$aws/#"}) {
		t.Fatalf("got %v", ms.Values)
	}
}

func TestIndexMatchAllocs(t *testing.T) {
	x := NewIndex[int](AWSMatching)
	x.Add("temperature/b1/+/+", 1)
	x.Add("temperature/#", 2)
	x.Add("temperature/b1/kitchen/t1", 3)
	x.AddShared("g", "temperature/+/+/t1", 4)
	var ms Matches[int]
	allocs := testing.AllocsPerRun(100, func() {
		ms.Reset()
		x.Match("temperature/b1/kitchen/t1", &ms)
	})
	if allocs != 0 || len(ms.Values) != 3 || len(ms.Groups) != 1 {
		t.Fatalf("allocs %v, values %v, groups %d", allocs, ms.Values, len(ms.Groups))
	}
}

// TestIndexConcurrent runs Add, Remove and Match at once (meant for -race):
// filters that stay subscribed must always be matched.
func TestIndexConcurrent(t *testing.T) {
	x := NewIndex[int](AWSMatching)
	x.Add("stable/#", -1)
	x.AddShared("g", "stable/+/x", -2)
	var writers, readers sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		writers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				f := "stable/" + randomTopic(r, true)
				v := w*1_000_000 + i
				x.Add(f, v)
				x.AddShared("g", f, v)
				x.AddShared("g", "stable/+/x", v)
				x.Remove(f, v)
				x.RemoveShared("g", f, v)
				x.RemoveShared("g", "stable/+/x", v)
			}
		})
	}
	for w := range 4 {
		readers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 9))
			var ms Matches[int]
			for range 20000 {
				ms.Reset()
				x.Match("stable/"+[]string{"a", "", "$x"}[r.IntN(3)]+"/x", &ms)
				if !slices.Contains(ms.Values, -1) || len(ms.Groups) == 0 {
					t.Errorf("stable subscription missing: %v %v", ms.Values, ms.Groups)
					return
				}
				for _, g := range ms.Groups {
					if len(g.Members) == 0 {
						t.Errorf("empty group %q %q", g.Name, g.Filter)
						return
					}
					g.Pick()
				}
				x.Len()
			}
		})
	}
	readers.Wait()
	close(stop)
	writers.Wait()
	if x.Len() != 2 {
		t.Fatalf("Len %d after writers undid their work, want 2", x.Len())
	}
}
