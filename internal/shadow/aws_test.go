package shadow

import (
	"testing"
)

// TestAWSWalkthrough replays "Simulating Device Shadow service
// communications" (AWS IoT developer guide, using-device-shadows.md) and
// compares each document with the one AWS shows, key order aside: a
// device creates named shadow simShadow1, an app sets a desired colour, the
// device gets the delta and reports the colour, the app reads the shadow.
func TestAWSWalkthrough(t *testing.T) {
	e := newEnv(t, Options{})
	const thing, name = "mySimulatedThing", "simShadow1"

	// Before the shadow exists (AWS's document has no timestamp).
	_, err := e.get(t, thing, name, "")
	if err == nil || err.Code != 404 || err.Message != "No shadow exists with name: 'simShadow1'" {
		t.Fatalf("get before create: %v", err)
	}

	// The guide's shadow is at version 3 when it is read; reach it with
	// the device's report, sent three times.
	e.clock.set(1591140517)
	report := `{"state":{"reported":{"ID":"SmartLamp21","ColorRGB":[128,128,128]}},"clientToken":"426bfd96-e720-46d3-95cd-014e3ef12bb6"}`
	for range 3 {
		e.mustUpdate(t, thing, name, report)
	}
	doc, _ := e.get(t, thing, name, "426bfd96-e720-46d3-95cd-014e3ef12bb6")
	sameJSON(t, "get/accepted (device)", decode(t, doc), `{
	  "state": {"reported": {"ID": "SmartLamp21", "ColorRGB": [128, 128, 128]}},
	  "metadata": {"reported": {"ID": {"timestamp": 1591140517},
	    "ColorRGB": [{"timestamp": 1591140517}, {"timestamp": 1591140517}, {"timestamp": 1591140517}]}},
	  "version": 3, "timestamp": 1591140517, "clientToken": "426bfd96-e720-46d3-95cd-014e3ef12bb6"}`)

	e.clock.set(1591141111)
	doc, _ = e.get(t, thing, name, "")
	sameJSON(t, "get-thing-shadow (app)", decode(t, doc), `{
	  "state": {"reported": {"ID": "SmartLamp21", "ColorRGB": [128, 128, 128]}},
	  "metadata": {"reported": {"ID": {"timestamp": 1591140517},
	    "ColorRGB": [{"timestamp": 1591140517}, {"timestamp": 1591140517}, {"timestamp": 1591140517}]}},
	  "version": 3, "timestamp": 1591141111}`)

	e.clock.set(1591141596)
	res := e.mustUpdate(t, thing, name, `{"state":{"desired":{"ColorRGB":[255,255,0]}},"clientToken":"21b21b21-bfd2-4279-8c65-e2f697ff4fab"}`)
	sameJSON(t, "update-thing-shadow (app)", decode(t, res.Accepted), `{
	  "state": {"desired": {"ColorRGB": [255, 255, 0]}},
	  "metadata": {"desired": {"ColorRGB": [{"timestamp": 1591141596}, {"timestamp": 1591141596}, {"timestamp": 1591141596}]}},
	  "version": 4, "timestamp": 1591141596, "clientToken": "21b21b21-bfd2-4279-8c65-e2f697ff4fab"}`)
	sameJSON(t, "update/delta", decode(t, res.Delta), `{
	  "version": 4, "timestamp": 1591141596,
	  "state": {"ColorRGB": [255, 255, 0]},
	  "metadata": {"ColorRGB": [{"timestamp": 1591141596}, {"timestamp": 1591141596}, {"timestamp": 1591141596}]},
	  "clientToken": "21b21b21-bfd2-4279-8c65-e2f697ff4fab"}`)

	e.clock.set(1591142747)
	res = e.mustUpdate(t, thing, name, `{"state":{"reported":{"ColorRGB":[255,255,0]}},"clientToken":"a4dc2227-9213-4c6a-a6a5-053304f60258"}`)
	sameJSON(t, "update/accepted (device)", decode(t, res.Accepted), `{
	  "state": {"reported": {"ColorRGB": [255, 255, 0]}},
	  "metadata": {"reported": {"ColorRGB": [{"timestamp": 1591142747}, {"timestamp": 1591142747}, {"timestamp": 1591142747}]}},
	  "version": 5, "timestamp": 1591142747, "clientToken": "a4dc2227-9213-4c6a-a6a5-053304f60258"}`)
	if res.Delta != nil {
		t.Errorf("in sync, yet a delta: %s", res.Delta)
	}
	sameJSON(t, "update/documents", decode(t, res.Documents), `{
	  "previous": {
	    "state": {"desired": {"ColorRGB": [255, 255, 0]}, "reported": {"ID": "SmartLamp21", "ColorRGB": [128, 128, 128]}},
	    "metadata": {
	      "desired": {"ColorRGB": [{"timestamp": 1591141596}, {"timestamp": 1591141596}, {"timestamp": 1591141596}]},
	      "reported": {"ID": {"timestamp": 1591140517},
	        "ColorRGB": [{"timestamp": 1591140517}, {"timestamp": 1591140517}, {"timestamp": 1591140517}]}},
	    "version": 4},
	  "current": {
	    "state": {"desired": {"ColorRGB": [255, 255, 0]}, "reported": {"ID": "SmartLamp21", "ColorRGB": [255, 255, 0]}},
	    "metadata": {
	      "desired": {"ColorRGB": [{"timestamp": 1591141596}, {"timestamp": 1591141596}, {"timestamp": 1591141596}]},
	      "reported": {"ID": {"timestamp": 1591140517},
	        "ColorRGB": [{"timestamp": 1591142747}, {"timestamp": 1591142747}, {"timestamp": 1591142747}]}},
	    "version": 5},
	  "timestamp": 1591142747, "clientToken": "a4dc2227-9213-4c6a-a6a5-053304f60258"}`)

	e.clock.set(1591143269)
	doc, _ = e.get(t, thing, name, "")
	sameJSON(t, "get-thing-shadow (app, in sync)", decode(t, doc), `{
	  "state": {"desired": {"ColorRGB": [255, 255, 0]}, "reported": {"ID": "SmartLamp21", "ColorRGB": [255, 255, 0]}},
	  "metadata": {
	    "desired": {"ColorRGB": [{"timestamp": 1591141596}, {"timestamp": 1591141596}, {"timestamp": 1591141596}]},
	    "reported": {"ID": {"timestamp": 1591140517},
	      "ColorRGB": [{"timestamp": 1591142747}, {"timestamp": 1591142747}, {"timestamp": 1591142747}]}},
	  "version": 5, "timestamp": 1591143269}`)
}

// TestAWSOptimisticLocking replays the guide's optimistic locking example
// (device-shadow-data-flow.md): at version 10, version 9 is refused, 10 is
// accepted and makes 11.
func TestAWSOptimisticLocking(t *testing.T) {
	e := newEnv(t, Options{})
	for range 10 {
		e.mustUpdate(t, "lamp", "", `{"state":{"desired":{"colors":["RED","GREEN","BLUE"]}}}`)
	}
	_, err := e.update(t, "lamp", "", `{"state":{"desired":{"colors":["BLUE"]}},"version":9,"clientToken":"426bfd96-e720-46d3-95cd-014e3ef12bb6"}`)
	if err == nil {
		t.Fatal("version 9 accepted at version 10")
	}
	d := decode(t, err.Document())
	delete(d, "timestamp")
	sameJSON(t, "409", d, `{"code":409,"message":"Version conflict","clientToken":"426bfd96-e720-46d3-95cd-014e3ef12bb6"}`)
	e.mustUpdate(t, "lamp", "", `{"state":{"desired":{"colors":["BLUE"]}},"version":10}`)
	got := e.mustGet(t, "lamp", "")
	sameJSON(t, "final state", got["state"], `{"desired":{"colors":["BLUE"]},"delta":{"colors":["BLUE"]}}`)
	sameJSON(t, "final version", got["version"], "11")
}

// TestAWSClearState: UpdateThingShadow with {"state": null} as real AWS
// answered it (getmoto/moto#9237, a boto3 call against AWS):
// {"state":null,"metadata":{"timestamp":T},"version":18,"timestamp":T}.
func TestAWSClearState(t *testing.T) {
	e := newEnv(t, Options{})
	for range 17 {
		e.mustUpdate(t, "foobar", "", `{"state":{"reported":{"a":1}}}`)
	}
	e.clock.set(1756452769)
	res := e.mustUpdate(t, "foobar", "", `{"state": null}`)
	if want := `{"state":null,"metadata":{"timestamp":1756452769},"version":18,"timestamp":1756452769}`; string(res.Accepted) != want {
		t.Errorf("accepted:\n got %s\nwant %s", res.Accepted, want)
	}
}

// TestAWSFirstDocuments: the /update/documents of a shadow's first update
// has "previous": null, as AWS published it to nRF Cloud (a recorded
// $aws/things/<id>/shadow/update/documents message).
func TestAWSFirstDocuments(t *testing.T) {
	e := newEnv(t, Options{})
	e.clock.set(1759240425)
	res := e.mustUpdate(t, "9f444bfc-0b88-4041-b4e1-03a60f7e5334", "",
		`{"state":{"desired":{"nrfcloud_mqtt_topic_prefix":"prod/x/","pairing":{"state":"paired","topics":{"d2c":"d","c2d":"c"}}}}}`)
	want := `{"previous":null,"current":{"state":{"desired":{"nrfcloud_mqtt_topic_prefix":"prod/x/","pairing":{"state":"paired","topics":{"d2c":"d","c2d":"c"}}}},` +
		`"metadata":{"desired":{"nrfcloud_mqtt_topic_prefix":{"timestamp":1759240425},"pairing":{"state":{"timestamp":1759240425},` +
		`"topics":{"d2c":{"timestamp":1759240425},"c2d":{"timestamp":1759240425}}}}},"version":1},"timestamp":1759240425}`
	if string(res.Documents) != want { // byte for byte: AWS kept the key order too
		t.Errorf("documents:\n got %s\nwant %s", res.Documents, want)
	}
}
