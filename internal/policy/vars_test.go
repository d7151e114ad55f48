package policy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testCert makes a certificate with multi-valued subject attributes, values
// AWS would refuse to substitute, and both alternative-name extensions.
func testCert(t *testing.T) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dirName, err := asn1.Marshal(pkix.Name{CommonName: "dir", Organization: []string{"Acme"}}.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	issuerAlt, err := asn1.Marshal([]asn1.RawValue{
		{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte("ca.example.com")},
		{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: dirName},
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("spiffe://example/dev1")
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetUint64(0x921285cbb7a5e086),
		Subject: pkix.Name{
			CommonName:         "dev1, lab",
			Country:            []string{"US", "DE", "FR", "IT", "ES", "NL"},
			Organization:       []string{"Org*Wild"},
			OrganizationalUnit: []string{strings.Repeat("u", 1025)},
			Province:           []string{"WA"},
			SerialNumber:       "123",
		},
		DNSNames:        []string{"dev1.example.com"},
		EmailAddresses:  []string{"ops@example.com"},
		IPAddresses:     []net.IP{net.ParseIP("10.0.0.7")},
		URIs:            []*url.URL{u},
		NotBefore:       time.Now().Add(-time.Hour),
		NotAfter:        time.Now().Add(time.Hour),
		ExtraExtensions: []pkix.Extension{{Id: oidIssuerAltName, Value: issuerAlt}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestCertificateVars(t *testing.T) {
	v := CertificateVars(testCert(t))
	want := map[string][]string{
		"iot:Certificate.Subject.CommonName": {`dev1\, lab`}, // AWS: special characters are backslash-escaped
		// DER sorts the values of one multi-valued RDN; "US" sorts sixth and
		// is past AWS's five-item cap.
		"iot:Certificate.Subject.Country":                                   {"DE", "ES", "FR", "IT", "NL"},
		"iot:Certificate.Subject.Organization":                              {}, // contains *: not substituted
		"iot:Certificate.Subject.OrganizationalUnit":                        {}, // over 1024 characters
		"iot:Certificate.Subject.State":                                     {"WA"},
		"iot:Certificate.Subject.SerialNumber":                              {"123"},
		"iot:Certificate.Issuer.CommonName":                                 {`dev1\, lab`},
		"iot:Certificate.Subject.AlternativeName.DNSName":                   {"dev1.example.com"},
		"iot:Certificate.Subject.AlternativeName.RFC822Name":                {"ops@example.com"},
		"iot:Certificate.Subject.AlternativeName.IPAddress":                 {"10.0.0.7"},
		"iot:Certificate.Subject.AlternativeName.UniformResourceIdentifier": {"spiffe://example/dev1"},
		"iot:Certificate.Issuer.AlternativeName.DNSName":                    {"ca.example.com"},
		"iot:Certificate.Issuer.AlternativeName.DirectoryName":              {`CN\=dir\,O\=Acme`},
		"iot:Certificate.SerialNumber":                                      {"10525622389124227206"},
	}
	for k, w := range want {
		if got := v[k]; !reflect.DeepEqual(got, w) || got == nil {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
	avail := v["iot:Certificate.AvailableKeys"]
	if !contains(avail, "iot:Certificate.Subject.Country") || contains(avail, "iot:Certificate.Subject.Organization") {
		t.Errorf("AvailableKeys = %q", avail)
	}
	if CertificateVars(nil) == nil {
		t.Error("nil certificate: want empty Vars")
	}
}

func contains(s []string, x string) bool {
	for _, e := range s {
		if e == x {
			return true
		}
	}
	return false
}

func TestLookup(t *testing.T) {
	v := Vars{
		"iot:Certificate.Subject.Country":    {"US", "DE"},
		"iot:Certificate.Subject.CommonName": {},
		"iot:ClientId":                       {"c1"},
		"iot:Certificate.AvailableKeys":      {"a", "b"},
		ThingAttributeVar("Zone"):            {"north"},
	}
	tests := []struct {
		name  string
		vals  []string
		state keyState
	}{
		{"iot:Certificate.Subject.Country", []string{"US"}, keyPresent},
		{"iot:certificate.subject.country", []string{"US"}, keyPresent},
		{"iot:Certificate.Subject.Country.0", []string{"US"}, keyPresent},
		{"iot:Certificate.Subject.Country.1", []string{"DE"}, keyPresent},
		{"iot:Certificate.Subject.Country.2", nil, keyUnresolvable},
		{"iot:Certificate.Subject.Country.List", []string{"US", "DE"}, keyPresent},
		{"iot:Certificate.Subject.CommonName", nil, keyUnresolvable},
		{"iot:Certificate.Subject.CommonName.List", nil, keyUnresolvable},
		{"iot:Certificate.Subject.Title", nil, keyAbsent},
		{"iot:Certificate.Subject.Title.1", nil, keyAbsent},
		{"iot:Certificate.AvailableKeys", []string{"a", "b"}, keyPresent},
		{"IOT:CLIENTID", []string{"c1"}, keyPresent},
		{"IOT:Connection.Thing.Attributes[Zone]", []string{"north"}, keyPresent},
		{"iot:Connection.Thing.Attributes[zone]", nil, keyAbsent},
	}
	for _, tc := range tests {
		vals, st := v.lookup(tc.name)
		if st != tc.state || !reflect.DeepEqual(vals, tc.vals) {
			t.Errorf("lookup(%q) = %q, %d; want %q, %d", tc.name, vals, st, tc.vals, tc.state)
		}
	}
	if _, ok := v.resolve("iot:Certificate.AvailableKeys"); ok {
		t.Error("a multi-valued name must not substitute")
	}
}

func TestVarsHelpers(t *testing.T) {
	v := Vars{}
	v.Set(VarClientID, "sensor_abc")
	v.SetThing("sensor_abc", "TemperatureSensor", map[string]string{"BuildingName": "home417"})
	want := Vars{
		VarClientID:                       {"sensor_abc"},
		VarThingName:                      {"sensor_abc"},
		VarThingTypeName:                  {"TemperatureSensor"},
		VarThingIsAttached:                {"true"},
		ThingAttributeVar("BuildingName"): {"home417"},
	}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %v", v)
	}
	k := ConnectKeys(true, true)
	if got := k[KeyConnectAttributes]; !reflect.DeepEqual(got, []string{"PersistentConnect", "LastWill"}) {
		t.Fatalf("ConnectKeys = %v", got)
	}
	if got := ConnectKeys(false, false)[KeyConnectAttributes]; len(got) != 0 {
		t.Fatalf("clean connect: %v", got)
	}
}

// TestCertificateVarsInPolicy runs the AWS "registered devices (2)" example
// against a real certificate's variables.
func TestCertificateVarsInPolicy(t *testing.T) {
	d, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:us-east-1:123456789012:topic/c/${iot:Certificate.Subject.Country.4}/${iot:Certificate.Subject.AlternativeName.DNSName}"},
		{"Effect":"Allow","Action":"iot:Receive","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"iot:Certificate.Subject.Country.List":["ES"]}}},
		{"Effect":"Allow","Action":"iot:Subscribe","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"iot:Certificate.Subject.Country.List":["US"]}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile([]*Document{d}, CertificateVars(testCert(t)))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Evaluate(Publish, "arn:aws:iot:us-east-1:123456789012:topic/c/NL/dev1.example.com").Allowed() {
		t.Error("publish: want Allow")
	}
	if !c.Evaluate(Receive, "arn:aws:iot:us-east-1:123456789012:topic/x").Allowed() {
		t.Error("receive: want Allow")
	}
	if c.Evaluate(Subscribe, "arn:aws:iot:us-east-1:123456789012:topicfilter/x").Allowed() {
		t.Error("subscribe: US is the sixth country, past AWS's five-item cap")
	}
}
