// Package pki is Roost's certificate authority: it creates and loads the
// root CA, issues the TLS server certificate and device certificates, and
// parses and checks the certificates, CSRs and CA proofs that clients send.
//
// Device certificates are issued through one path, the Issuer interface
// (implemented by *CA), shared by CreateKeysAndCertificate,
// CreateCertificateFromCsr and fleet provisioning. They are shaped like the
// ones AWS IoT issues: CN "Roost IoT Certificate" (AWS: "AWS IoT
// Certificate") unless a subject is asked for or the CSR has one, valid until
// 2049-12-31T23:59:59Z, a random 20-octet serial, key usage digitalSignature.
// A fresh key is RSA-2048 by default, as in AWS, returned as PKCS#1
// "RSA PRIVATE KEY" with a PKIX "PUBLIC KEY"; an optional KeyPool generates
// RSA keys ahead of demand. A certificate's id is the lowercase hex SHA-256
// of its DER (CertificateID), as in AWS.
//
// Everything that reads outside input (ParseCertificatePEM,
// ParseCertificateChainPEM, ParseCSRPEM) is strict and size-bounded, and
// client mistakes come back as *InvalidCSRError or *InvalidCertificateError,
// which the API layer maps to InvalidRequestException and
// CertificateValidationException.
//
// This package does no file I/O (server reads and writes the PEM files),
// keeps no state about certificates (registry stores them with their status),
// and does not run TLS (broker builds its tls.Config from Certificate).
// It imports only the standard library.
package pki
