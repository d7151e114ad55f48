package policy

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net"
	"slices"
	"strings"
	"unicode/utf8"
)

// Certificate variables follow AWS IoT's "X.509 Certificate AWS IoT Core
// policy variables" page, including its limits:
//   - arrays are limited to five items, "additional items are ignored";
//   - a value over 1024 characters, or containing one of * $ + ? #, is not
//     substituted ("leaving the ${policy-variable} text in the policy");
//   - the special characters , " \ + = < > ; are backslash-escaped in the
//     value a policy sees.
const (
	certMaxValues   = 5
	certMaxValueLen = 1024
	certWildcards   = "*$+?#"
)

// certAttributes maps the DN attribute OIDs AWS lists to their names.
var certAttributes = []struct {
	oid  asn1.ObjectIdentifier
	name string
}{
	{asn1.ObjectIdentifier{2, 5, 4, 46}, "DistinguishedNameQualifier"},
	{asn1.ObjectIdentifier{2, 5, 4, 6}, "Country"},
	{asn1.ObjectIdentifier{2, 5, 4, 10}, "Organization"},
	{asn1.ObjectIdentifier{2, 5, 4, 11}, "OrganizationalUnit"},
	{asn1.ObjectIdentifier{2, 5, 4, 8}, "State"},
	{asn1.ObjectIdentifier{2, 5, 4, 3}, "CommonName"},
	{asn1.ObjectIdentifier{2, 5, 4, 5}, "SerialNumber"},
	{asn1.ObjectIdentifier{2, 5, 4, 12}, "Title"},
	{asn1.ObjectIdentifier{2, 5, 4, 4}, "Surname"},
	{asn1.ObjectIdentifier{2, 5, 4, 42}, "GivenName"},
	{asn1.ObjectIdentifier{2, 5, 4, 43}, "Initials"},
	{asn1.ObjectIdentifier{2, 5, 4, 65}, "Pseudonym"},
	{asn1.ObjectIdentifier{2, 5, 4, 44}, "GenerationQualifier"},
}

var (
	oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidIssuerAltName  = asn1.ObjectIdentifier{2, 5, 29, 18}
)

// CertificateVars returns the iot:Certificate.* variables of a client
// certificate. Callers add the connection's other variables to the result.
//
// Unconfirmed against AWS and chosen here: SerialNumber is the decimal serial,
// DirectoryName is the RFC 2253 form of the name, and AvailableKeys lists
// full variable names ("iot:Certificate.Subject.CommonName").
func CertificateVars(cert *x509.Certificate) Vars {
	v := Vars{}
	if cert == nil {
		return v
	}
	addDN(v, "iot:Certificate.Subject.", cert.Subject.Names)
	addDN(v, "iot:Certificate.Issuer.", cert.Issuer.Names)
	for _, ext := range cert.Extensions {
		switch {
		case ext.Id.Equal(oidSubjectAltName):
			addAltNames(v, "iot:Certificate.Subject.AlternativeName.", ext.Value)
		case ext.Id.Equal(oidIssuerAltName):
			addAltNames(v, "iot:Certificate.Issuer.AlternativeName.", ext.Value)
		}
	}
	if cert.SerialNumber != nil {
		addCertVar(v, "iot:Certificate.SerialNumber", []string{cert.SerialNumber.String()})
	}
	keys := make([]string, 0, len(v))
	for k, vals := range v {
		if len(vals) > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	v["iot:Certificate.AvailableKeys"] = keys
	return v
}

func addDN(v Vars, prefix string, names []pkix.AttributeTypeAndValue) {
	for _, a := range certAttributes {
		var vals []string
		for _, n := range names {
			if s, ok := n.Value.(string); ok && n.Type.Equal(a.oid) {
				vals = append(vals, s)
			}
		}
		addCertVar(v, prefix+a.name, vals)
	}
}

// addAltNames reads a GeneralNames extension (RFC 5280 4.2.1.6) itself: Go's
// x509 package keeps no directoryName entries and no issuer alternative names.
func addAltNames(v Vars, prefix string, der []byte) {
	var seq asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &seq); err != nil || len(rest) > 0 || !seq.IsCompound {
		return
	}
	got := map[string][]string{}
	for rest := seq.Bytes; len(rest) > 0; {
		var gn asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &gn); err != nil {
			return
		}
		if gn.Class != asn1.ClassContextSpecific {
			continue
		}
		if name, val, ok := generalName(gn); ok {
			got[name] = append(got[name], val)
		}
	}
	for name, vals := range got {
		addCertVar(v, prefix+name, vals)
	}
}

func generalName(gn asn1.RawValue) (name, val string, ok bool) {
	switch gn.Tag {
	case 1:
		return "RFC822Name", string(gn.Bytes), true
	case 2:
		return "DNSName", string(gn.Bytes), true
	case 4: // directoryName is explicitly tagged: the bytes hold a Name
		var rdn pkix.RDNSequence
		if rest, err := asn1.Unmarshal(gn.Bytes, &rdn); err != nil || len(rest) > 0 {
			return "", "", false
		}
		var n pkix.Name
		n.FillFromRDNSequence(&rdn)
		return "DirectoryName", n.String(), true
	case 6:
		return "UniformResourceIdentifier", string(gn.Bytes), true
	case 7:
		if len(gn.Bytes) != net.IPv4len && len(gn.Bytes) != net.IPv6len {
			return "", "", false
		}
		return "IPAddress", net.IP(gn.Bytes).String(), true
	}
	return "", "", false
}

// addCertVar applies AWS's certificate-variable limits. A value AWS would
// not substitute makes the whole attribute unresolvable (present, no
// values), so no index shifts and no condition sees a partial list.
func addCertVar(v Vars, name string, vals []string) {
	if len(vals) == 0 {
		return
	}
	if len(vals) > certMaxValues {
		vals = vals[:certMaxValues]
	}
	out := make([]string, 0, len(vals))
	for _, s := range vals {
		if utf8.RuneCountInString(s) > certMaxValueLen || strings.ContainsAny(s, certWildcards) {
			v[name] = []string{}
			return
		}
		out = append(out, escapeCertValue(s))
	}
	v[name] = out
}

// escapeCertValue prefixes AWS's special characters with a backslash.
func escapeCertValue(s string) string {
	if !strings.ContainsAny(s, `,"\+=<>;`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`,"\+=<>;`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
