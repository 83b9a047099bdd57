// What the certificate parser extracts. Every field is JSON-able (no Buffers, no Dates) so the
// same object feeds the chain table, `--json` and the check writers unchanged.

import type { KeyUsageName } from './oids.js';

export interface PublicKeyInfo {
  /** Node's asymmetricKeyType: `rsa`, `rsa-pss`, `ec`, `ed25519`, `ed448`, `dsa`, … */
  type: string;
  /** RSA/DSA modulus size in bits. */
  bits?: number;
  /** EC curve as people name it (`P-256`), or OpenSSL's name for others. */
  curve?: string;
  /** Short label for tables: `RSA 2048`, `EC P-256`, `Ed25519`. */
  label: string;
}

export interface CertificateInfo {
  /** X.509 version (1, 2 or 3). */
  version: number;
  /**
   * Subject as one line in the order written (`C=US, O=VeriSign, Inc., CN=…`): values as they are,
   * never backslash-escaped (the report escapes once at output); a value that could be misread as
   * more attributes is double-quoted (see displayRdnValue).
   */
  subject: string;
  issuer: string;
  /** Subject commonName values. */
  subjectCN: string[];
  /** Issuer commonName values (for the short names in tables). */
  issuerCN?: string[];
  /** Serial number as lower-case hex. */
  serial: string;
  /** Exact validity from the DER, ISO 8601. */
  notBefore: string;
  notAfter: string;
  san: { dns: string[]; ip: string[]; email: string[]; uri: string[] };
  publicKey: PublicKeyInfo;
  signatureAlgorithm: { oid: string; name: string; hash?: string };
  /** Absent when the certificate has no KeyUsage extension (any usage allowed). */
  keyUsage?: KeyUsageName[];
  /** EKU names (or dotted OIDs); absent when there is no EKU extension (any purpose). */
  extendedKeyUsage?: string[];
  basicConstraints?: { ca: boolean; pathLen?: number };
  aia: { ocsp: string[]; caIssuers: string[] };
  /** CRL Distribution Points URIs; absent when the certificate has no such extension. */
  crlDistributionPoints?: string[];
  /** TLS Feature extension lists status_request (OCSP Must-Staple); absent without the extension. */
  mustStaple?: boolean;
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** Embedded SCTs (certificate transparency); absent when the extension is missing. */
  sctCount?: number;
  /** SHA-256 of the DER, lower-case hex without separators. */
  fingerprint256: string;
  /** Issuer and subject names are byte-identical. */
  selfIssued: boolean;
  /** Self-issued and its own key verifies its signature. */
  selfSigned: boolean;
  /** Problems met while reading extensions; the rest of the certificate is still usable. */
  parseIssues: string[];
}

/** A parsed certificate plus what the chain checks need and JSON does not carry. */
export interface ParsedCertificate {
  info: CertificateInfo;
  der: Buffer;
  /** DER of the issuer and subject Names, for byte-exact name chaining and OCSP CertID hashes. */
  issuerDer: Buffer;
  subjectDer: Buffer;
  /** subjectPublicKey BIT STRING contents (OCSP issuerKeyHash is over these bytes). */
  subjectPublicKeyBits: Buffer;
  x509: import('node:crypto').X509Certificate;
  /**
   * Raw extnValue of the extensions name-constraint checking reads in full (every GeneralName
   * form, which CertificateInfo does not keep): read only when a CA on a path constrains names.
   */
  rawExtensions: { nameConstraints?: { critical: boolean; der: Buffer }; subjectAltName?: Buffer };
}
