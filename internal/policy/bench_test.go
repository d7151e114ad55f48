package policy

import (
	"testing"
)

const arnPrefix = "arn:aws:iot:us-west-2:123456789012:"

// seedCompiled is the realistic per-connection set: both seed 000 policies
// with a provisioned thing's variables.
func seedCompiled(tb testing.TB) *Compiled {
	tb.Helper()
	var docs []*Document
	for _, name := range []string{"seed000_bootstrap.json", "seed000_device.json"} {
		d, err := Parse(readTestdata(tb, name))
		if err != nil {
			tb.Fatal(err)
		}
		d.Name = name
		docs = append(docs, d)
	}
	c, err := Compile(docs, seedVars())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

var evalCases = []struct {
	name     string
	action   Action
	resource string
	want     Effect
}{
	{"publish-allow", Publish, arnPrefix + "topic/temperature/home417/loft/sensor_abc", Allow},
	{"publish-deny", Publish, arnPrefix + "topic/temperature/home417/loft/sensor_xyz", ImplicitDeny},
	{"receive-provisioning", Receive, arnPrefix + "topic/$aws/provisioning-templates/SensorTemplate/provision/json/accepted", Allow},
	{"subscribe-allow", Subscribe, arnPrefix + "topicfilter/temperature/home417/loft/sensor_abc", Allow},
	{"connect", Connect, arnPrefix + "client/sensor_abc", Allow},
	{"shadow-deny", UpdateThingShadow, arnPrefix + "thing/sensor_abc", ImplicitDeny},
}

// TestEvaluateNoAlloc guards the promise in the package doc: Evaluate and
// EvaluateRequest allocate nothing.
func TestEvaluateNoAlloc(t *testing.T) {
	c := seedCompiled(t)
	keys := ConnectKeys(true, false)
	for _, tc := range evalCases {
		if got := c.Evaluate(tc.action, tc.resource).Effect; got != tc.want {
			t.Fatalf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		n := testing.AllocsPerRun(100, func() {
			c.Evaluate(tc.action, tc.resource)
			c.EvaluateRequest(tc.action, tc.resource, keys)
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per Evaluate", tc.name, n)
		}
	}
}

// TestEvaluateRequestNoAlloc covers the per-call condition path, including
// the case-insensitive key lookup and the slow action path.
func TestEvaluateRequestNoAlloc(t *testing.T) {
	c := connectAttrsCompiled(t)
	res := arnPrefix + "client/sensor_abc"
	keys := Keys{"IOT:connectattributes": {"PersistentConnect", "LastWill"}}
	if !c.EvaluateRequest(Connect, res, keys).Allowed() || !c.EvaluateRequest("IOT:CONNECT", res, keys).Allowed() {
		t.Fatal("want Allow")
	}
	n := testing.AllocsPerRun(100, func() {
		c.EvaluateRequest(Connect, res, keys)
		c.EvaluateRequest("IOT:CONNECT", res, keys)
		c.Evaluate(Connect, res)
	})
	if n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}

func connectAttrsCompiled(tb testing.TB) *Compiled {
	tb.Helper()
	d, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-west-2:123456789012:client/${iot:ClientId}",
		 "Condition":{"ForAllValues:StringEquals":{"iot:ConnectAttributes":["PersistentConnect","LastWill"]}}},
		{"Effect":"Deny","Action":"iot:Connect","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"iot:ConnectAttributes":["Unknown"]}}}]}`))
	if err != nil {
		tb.Fatal(err)
	}
	c, err := Compile([]*Document{d}, seedVars())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// BenchmarkEvaluate guards the per-message authorization cost (PUBLISH,
// each delivery's Receive): it must stay allocation-free.
func BenchmarkEvaluate(b *testing.B) {
	c := seedCompiled(b)
	for _, tc := range evalCases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Evaluate(tc.action, tc.resource)
			}
		})
	}
}

// BenchmarkEvaluateRequest guards CONNECT with iot:ConnectAttributes.
func BenchmarkEvaluateRequest(b *testing.B) {
	c := connectAttrsCompiled(b)
	keys := ConnectKeys(true, true)
	res := arnPrefix + "client/sensor_abc"
	if !c.EvaluateRequest(Connect, res, keys).Allowed() {
		b.Fatal("want Allow")
	}
	b.ReportAllocs()
	for b.Loop() {
		c.EvaluateRequest(Connect, res, keys)
	}
}

// BenchmarkParse guards CreatePolicy and policy reload cost.
func BenchmarkParse(b *testing.B) {
	doc := readTestdata(b, "seed000_device.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile guards the per-CONNECT (and per policy change) cost.
func BenchmarkCompile(b *testing.B) {
	var docs []*Document
	for _, name := range []string{"seed000_bootstrap.json", "seed000_device.json"} {
		d, err := Parse(readTestdata(b, name))
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, d)
	}
	v := seedVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(docs, v); err != nil {
			b.Fatal(err)
		}
	}
}
