package topic_test

import (
	"errors"
	"fmt"

	"github.com/roost-iot/roost/internal/topic"
)

// A broker validates each SUBSCRIBE filter, routes shared subscriptions to
// AddShared, and on each PUBLISH delivers to every value and to one member
// of every matching group.
func ExampleIndex() {
	subs := topic.NewIndex[string](topic.AWSMatching)
	subscribe := func(client, filter string) {
		if err := topic.ValidateFilter(filter); err != nil {
			fmt.Println(client, "SUBACK:", err, errors.Is(err, topic.ErrInvalidFilter))
			return
		}
		group, inner, _ := topic.ParseShared(filter) // valid, so no error
		if group != "" {
			subs.AddShared(group, inner, client)
			return
		}
		subs.Add(inner, client)
	}
	subscribe("dashboard", "temperature/+/kitchen/+")
	subscribe("archiver", "temperature/#")
	subscribe("worker-1", "$share/ingest/temperature/#")
	subscribe("worker-2", "$share/ingest/temperature/#")
	subscribe("parent", "temperature/b1/kitchen/t1/#") // AWS: does not match its parent
	subscribe("too-deep", "a/b/c/d/e/f/g/h/#")

	var m topic.Matches[string] // one per connection goroutine, reused
	for range 2 {
		m.Reset()
		subs.Match("temperature/b1/kitchen/t1", &m)
		for _, g := range m.Groups {
			fmt.Println(m.Values, g.Name, g.Filter, "->", g.Pick())
		}
	}
	// Output:
	// too-deep SUBACK: topic filter has more than 8 levels true
	// [archiver dashboard] ingest temperature/# -> worker-1
	// [archiver dashboard] ingest temperature/# -> worker-2
}

func ExampleNATSSubject() {
	fmt.Println(topic.NATSSubject("temperature/+/#"))
	fmt.Println(topic.NATSSubject("fw/v1.2/status report"))
	back, _ := topic.ParseNATSSubject("fw.v1%2E2.status%20report")
	fmt.Println(back)
	// Output:
	// temperature.*.>
	// fw.v1%2E2.status%20report
	// fw/v1.2/status report
}
