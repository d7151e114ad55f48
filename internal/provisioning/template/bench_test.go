package template

import "testing"

// The benchmarks guard the cost of one RegisterThing: Parse runs when a
// template is created or loaded, Evaluate once per device provisioned. Both
// use the seed 000 SensorTemplate.

var seedParams = map[string]string{"SerialNumber": "6f1c2a9e0b8d4f7a", "BuildingName": "home417", "Location": "loft"}

func BenchmarkParse(b *testing.B) {
	body := readFile(b, "testdata/golden/seed000_sensor.template.json")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	tmpl, err := Parse(readFile(b, "testdata/golden/seed000_sensor.template.json"))
	if err != nil {
		b.Fatal(err)
	}
	pseudo := map[string]string{CertificateID: certID}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Evaluate(seedParams, pseudo); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateFunctions evaluates the template that uses every
// function, conditions and an object policy document.
func BenchmarkEvaluateFunctions(b *testing.B) {
	tmpl, err := Parse(readFile(b, "testdata/golden/functions.template.json"))
	if err != nil {
		b.Fatal(err)
	}
	params := map[string]string{"SerialNumber": "AB-1234"}
	pseudo := map[string]string{CertificateID: certID}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Evaluate(params, pseudo); err != nil {
			b.Fatal(err)
		}
	}
}
