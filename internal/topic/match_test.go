package topic

import "testing"

// matchCases hold the examples of MQTT 3.1.1 §4.7 and MQTT 5.0 §4.7 (the
// same in both), the "$" rule and AWS IoT's "#" deviation. aws and spec
// are the answers under AWSMatching and SpecMatching.
var matchCases = []struct {
	name        string
	filter, lit string
	aws, spec   bool
}{
	// §4.7.1.2 multi-level wildcard
	{name: "ok/hash-parent-spec", filter: "sport/tennis/player1/#", lit: "sport/tennis/player1", spec: true},
	{name: "ok/hash-one-level", filter: "sport/tennis/player1/#", lit: "sport/tennis/player1/ranking", aws: true, spec: true},
	{name: "ok/hash-two-levels", filter: "sport/tennis/player1/#", lit: "sport/tennis/player1/score/wimbledon", aws: true, spec: true},
	{name: "ok/hash-sport-parent-spec", filter: "sport/#", lit: "sport", spec: true},
	{name: "ok/hash-all", filter: "#", lit: "sport/tennis", aws: true, spec: true},
	{name: "ok/hash-all-one-level", filter: "#", lit: "sport", aws: true, spec: true},
	{name: "ok/hash-all-empty-level", filter: "#", lit: "/", aws: true, spec: true},
	{name: "ok/hash-empty-child", filter: "sensor/#", lit: "sensor/", aws: true, spec: true},
	{name: "fail/hash-sibling", filter: "sport/tennis/#", lit: "sport/football", aws: false, spec: false},
	{name: "fail/hash-grandparent", filter: "sport/tennis/#", lit: "sport", aws: false, spec: false},
	// AWS IoT: "sensor/#" does not match "sensor" (reference §9.2, §10)
	{name: "fail/aws-hash-parent", filter: "sensor/#", lit: "sensor", aws: false, spec: true},
	{name: "fail/aws-plus-hash-parent", filter: "+/#", lit: "sensor", aws: false, spec: true},
	// §4.7.1.3 single-level wildcard
	{name: "ok/plus-player1", filter: "sport/tennis/+", lit: "sport/tennis/player1", aws: true, spec: true},
	{name: "ok/plus-player2", filter: "sport/tennis/+", lit: "sport/tennis/player2", aws: true, spec: true},
	{name: "fail/plus-deeper", filter: "sport/tennis/+", lit: "sport/tennis/player1/ranking"},
	{name: "fail/plus-parent", filter: "sport/+", lit: "sport"},
	{name: "ok/plus-empty-level", filter: "sport/+", lit: "sport/", aws: true, spec: true},
	{name: "ok/plus-plus-leading-slash", filter: "+/+", lit: "/finance", aws: true, spec: true},
	{name: "ok/slash-plus", filter: "/+", lit: "/finance", aws: true, spec: true},
	{name: "fail/plus-leading-slash", filter: "+", lit: "/finance"},
	{name: "ok/plus-middle", filter: "sport/+/player1", lit: "sport/tennis/player1", aws: true, spec: true},
	{name: "ok/plus-then-hash", filter: "+/tennis/#", lit: "sport/tennis/player1", aws: true, spec: true},
	{name: "fail/plus-then-hash-parent", filter: "+/tennis/#", lit: "sport/tennis", spec: true},
	// §4.7.2 topics beginning with $ [MQTT-4.7.2-1]
	{name: "fail/dollar-hash", filter: "#", lit: "$SYS/broker/clients"},
	{name: "fail/dollar-plus", filter: "+/monitor/Clients", lit: "$SYS/monitor/Clients"},
	{name: "ok/dollar-explicit-hash", filter: "$SYS/#", lit: "$SYS/monitor/Clients", aws: true, spec: true},
	{name: "ok/dollar-explicit-plus", filter: "$SYS/monitor/+", lit: "$SYS/monitor/Clients", aws: true, spec: true},
	{name: "ok/dollar-parent-spec", filter: "$SYS/#", lit: "$SYS", spec: true},
	{name: "ok/dollar-aws-shadow", filter: "$aws/things/+/shadow/update/accepted", lit: "$aws/things/t1/shadow/update/accepted", aws: true, spec: true},
	{name: "ok/dollar-inner-level", filter: "a/+", lit: "a/$b", aws: true, spec: true},
	{name: "fail/dollar-plus-hash", filter: "+/#", lit: "$aws/things"},
	// §4.7.3 topic semantic and usage
	{name: "fail/case", filter: "ACCOUNTS", lit: "Accounts"},
	{name: "ok/space", filter: "Accounts payable", lit: "Accounts payable", aws: true, spec: true},
	{name: "fail/leading-slash-differs", filter: "/finance", lit: "finance"},
	{name: "fail/trailing-slash-differs", filter: "finance", lit: "finance/"},
	{name: "ok/empty-levels", filter: "a//b", lit: "a//b", aws: true, spec: true},
	{name: "ok/plus-empty-middle", filter: "a/+/b", lit: "a//b", aws: true, spec: true},
	{name: "fail/longer-name", filter: "a/b", lit: "a/b/c"},
	{name: "fail/shorter-name", filter: "a/b/c", lit: "a/b"},
	{name: "fail/prefix-level", filter: "a/bc", lit: "a/b"},
	{name: "ok/unicode", filter: "température/+", lit: "température/salon", aws: true, spec: true},
}

func TestMatch(t *testing.T) {
	for _, tt := range matchCases {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateFilter(tt.filter); err != nil {
				t.Fatalf("filter: %v", err)
			}
			if err := ValidateName(tt.lit); err != nil {
				t.Fatalf("name: %v", err)
			}
			for _, c := range []struct {
				m    Matching
				want bool
			}{{AWSMatching, tt.aws}, {SpecMatching, tt.spec}} {
				if got := c.m.Match(tt.filter, tt.lit); got != c.want {
					t.Errorf("%v Match(%q, %q) = %v, want %v", c.m, tt.filter, tt.lit, got, c.want)
				}
				if got := refMatch(c.m, tt.filter, tt.lit); got != c.want {
					t.Errorf("reference %v (%q, %q) = %v, want %v", c.m, tt.filter, tt.lit, got, c.want)
				}
				x := NewIndex[int](c.m)
				x.Add(tt.filter, 1)
				var ms Matches[int]
				x.Match(tt.lit, &ms)
				if got := len(ms.Values) == 1; got != c.want {
					t.Errorf("%v Index.Match(%q) with %q = %v, want %v", c.m, tt.lit, tt.filter, ms.Values, c.want)
				}
			}
			if Match(tt.filter, tt.lit) != tt.aws {
				t.Error("Match is not AWSMatching.Match")
			}
		})
	}
}

func TestMatchInvalidInputDoesNotPanic(t *testing.T) {
	for _, f := range []string{"", "#/a", "a/#/b", "++", "/", "$", "+"} {
		for _, n := range []string{"", "/", "$", "a/+", "#", "a//"} {
			AWSMatching.Match(f, n)
			SpecMatching.Match(f, n)
		}
	}
}

func TestMatchAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		Match("temperature/+/+/#", "temperature/building7/floor2/thing42")
	})
	if allocs != 0 {
		t.Errorf("Match allocates %v times", allocs)
	}
}
