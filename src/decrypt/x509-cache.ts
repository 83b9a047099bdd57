// Node's X509Certificate for DER bytes, kept for the few certificates seen last. In check's own
// TLS 1.3 flight the leaf is read twice in a row: its key verifies the CertificateVerify
// (signatures.ts), then the chain analysis parses it (analyse/certificates/parse.ts). OpenSSL 3.0
// builds the object through its decoders at ≈ 10% of check's CPU per target, so the second
// reader takes the first one's object. X509Certificate objects are immutable; a failed parse is
// not kept (each caller says why in its own words).

import { X509Certificate, type KeyObject } from 'node:crypto';

interface Entry {
  x509: X509Certificate;
  key?: KeyObject;
}

/** Enough for a fleet check's targets in flight at once and their intermediates; each entry is a few KB. */
const RECENT = 64;
const recent = new Map<string, Entry>();

function entryOf(der: Uint8Array): Entry {
  // latin1: one character per byte, the cheapest exact key for bytes.
  const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
  const hit = recent.get(id);
  if (hit) return hit;
  const entry = { x509: new X509Certificate(der) };
  if (recent.size >= RECENT) recent.delete(recent.keys().next().value as string);
  recent.set(id, entry);
  return entry;
}

/** The certificate as Node reads it; throws as X509Certificate's constructor does. */
export function x509Of(der: Uint8Array): X509Certificate {
  return entryOf(der).x509;
}

/** Its public key (one KeyObject per certificate kept, not one per call). */
export function publicKeyOf(der: Uint8Array): KeyObject {
  const entry = entryOf(der);
  entry.key ??= entry.x509.publicKey;
  return entry.key;
}
