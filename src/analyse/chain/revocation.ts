// Judging revocation evidence for one certificate, offline: an OCSP response from the responder
// (CertID, signature by the issuer or its delegated OCSPSigning responder, nonce, freshness) and
// a CRL (signature by the issuer, freshness, serial lookup). The fetching lives in src/check.

import { verify as cryptoVerify } from 'node:crypto';
import {
  type Asn1,
  DerError,
  Tag,
  binaryToBuffer,
  bitStringBytes,
  children,
  expectUniversal,
  integerHex,
  isContext,
  isUniversal,
  oid,
  parseDer,
  primitive,
  time,
  toDer,
} from '../certificates/der.js';
import { crlReasons, signatureAlgorithms } from '../certificates/oids.js';
import type { ParsedCertificate } from '../certificates/types.js';
import { findSingleResponse, ocspSigner, parseOcspResponse } from './ocsp.js';
import type { RevocationStatus } from './types.js';

/** The verdict one source gave (method and URL are added by the caller). */
export interface RevocationOutcome {
  status: RevocationStatus;
  detail: string;
  revokedAt?: string;
  reason?: string;
}

const unavailable = (detail: string): RevocationOutcome => ({ status: 'unavailable', detail });

export function reasonName(code: number | undefined): string | undefined {
  return code === undefined ? undefined : (crlReasons[code] ?? `reason ${code}`);
}

/**
 * Slack for thisUpdate after the pinned clock: the clock is pinned when the run starts, and a
 * responder that signs on demand dates its answer seconds later (plus ordinary clock skew).
 */
const CLOCK_SKEW_MS = 5 * 60_000;

function freshness(thisUpdate: string, nextUpdate: string | undefined, at: Date, what: string): string | undefined {
  if (Date.parse(thisUpdate) > at.getTime() + CLOCK_SKEW_MS) return `${what} thisUpdate ${thisUpdate} is in the future`;
  if (nextUpdate !== undefined && Date.parse(nextUpdate) < at.getTime()) return `${what} expired (nextUpdate ${nextUpdate})`;
  return undefined;
}

/**
 * An OCSP response for `cert` (issued by `issuer`) at `at`. `nonce` is the extnValue sent: a
 * response that echoes a different one is rejected; one that echoes none is accepted (most
 * responders pre-sign responses), as OpenSSL and browsers do.
 */
export function judgeOcspResponse(der: Uint8Array, cert: ParsedCertificate, issuer: ParsedCertificate, at: Date, nonce?: Buffer): RevocationOutcome {
  let parsed;
  try {
    parsed = parseOcspResponse(der);
  } catch (e) {
    return unavailable(`OCSP response could not be decoded: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (parsed.info.responseStatus !== 0) return unavailable(`OCSP responder answered ${parsed.info.responseStatusName}`);
  const signer = ocspSigner(parsed, issuer);
  if (!signer) return unavailable('OCSP response signature does not verify with the issuer or an authorised responder');
  if (nonce && parsed.nonce && !parsed.nonce.equals(nonce)) return unavailable('OCSP response nonce differs from the request (replayed response?)');
  const single = findSingleResponse(parsed.info, cert, issuer);
  if (!single) return unavailable(`OCSP response is not for this certificate (serial ${cert.info.serial})`);
  const stale = freshness(single.thisUpdate, single.nextUpdate, at, 'OCSP response');
  if (stale) return unavailable(stale);
  const by = `signed by ${signer}${nonce && parsed.nonce ? ', nonce echoed' : ''}`;
  if (single.status === 'good') return { status: 'good', detail: `OCSP good (${by})` };
  if (single.status === 'unknown') return { status: 'unknown', detail: `OCSP responder does not know this certificate (${by})` };
  const reason = reasonName(single.revocationReason);
  return {
    status: 'revoked',
    detail: `OCSP says REVOKED at ${single.revocationTime ?? '?'}${reason ? ` (${reason})` : ''} (${by})`,
    ...(single.revocationTime ? { revokedAt: single.revocationTime } : {}),
    ...(reason ? { reason } : {}),
  };
}

export interface ParsedCrl {
  issuerDer: Buffer;
  thisUpdate: string;
  nextUpdate?: string;
  tbsDer: Buffer;
  signature: Buffer;
  signatureHash?: string;
  /** Serial (lower-case hex, as certificates show it) → revocation date and reason. */
  revoked: Map<string, { date: string; reason?: string }>;
}

const REASON_CODE_OID = '2.5.29.21';

function entryReason(entry: Asn1[]): string | undefined {
  const exts = entry[2];
  if (!isUniversal(exts, Tag.SEQUENCE)) return undefined;
  for (const ext of children(exts, 'crlEntryExtensions')) {
    const parts = children(ext, 'Extension');
    if (oid(parts[0], 'extnID') !== REASON_CODE_OID) continue;
    const value = parseDer(binaryToBuffer(primitive(expectUniversal(parts[parts.length - 1], Tag.OCTETSTRING, 'extnValue'), 'extnValue')));
    return reasonName(binaryToBuffer(primitive(expectUniversal(value, Tag.ENUMERATED, 'CRLReason'), 'CRLReason'))[0]);
  }
  return undefined;
}

/** Decodes a DER CertificateList (RFC 5280 §5.1). Throws DerError when it is not one. */
export function parseCrl(der: Uint8Array): ParsedCrl {
  const [tbs, sigAlg, sig] = children(expectUniversal(parseDer(der), Tag.SEQUENCE, 'CertificateList'), 'CertificateList');
  const t = children(expectUniversal(tbs, Tag.SEQUENCE, 'tbsCertList'), 'tbsCertList');
  let i = isUniversal(t[0], Tag.INTEGER) ? 1 : 0;
  i++; // signature AlgorithmIdentifier (the outer one is what is checked)
  const issuerDer = toDer(expectUniversal(t[i++], Tag.SEQUENCE, 'issuer'));
  const thisUpdate = time(t[i++], 'thisUpdate').toISOString();
  let nextUpdate: string | undefined;
  if (isUniversal(t[i], Tag.UTCTIME) || isUniversal(t[i], Tag.GENERALIZEDTIME)) nextUpdate = time(t[i++], 'nextUpdate').toISOString();
  const revoked = new Map<string, { date: string; reason?: string }>();
  if (isUniversal(t[i], Tag.SEQUENCE)) {
    for (const e of children(t[i], 'revokedCertificates')) {
      const entry = children(e, 'revokedCertificate');
      const reason = entryReason(entry);
      revoked.set(integerHex(entry[0], 'userCertificate'), { date: time(entry[1], 'revocationDate').toISOString(), ...(reason ? { reason } : {}) });
    }
  } else if (t[i] !== undefined && !isContext(t[i], 0)) throw new DerError('tbsCertList: unexpected field after nextUpdate');
  const sigOid = oid(children(sigAlg, 'signatureAlgorithm')[0], 'signatureAlgorithm');
  const signatureHash = signatureAlgorithms[sigOid]?.hash;
  return { issuerDer, thisUpdate, ...(nextUpdate ? { nextUpdate } : {}), tbsDer: toDer(tbs), signature: bitStringBytes(sig, 'signature'), ...(signatureHash ? { signatureHash } : {}), revoked };
}

// A run keeps each CRL (check's CrlCache) and judges every certificate of a fleet against it:
// the signature's answer for one CRL and one issuer never changes, so it is checked once. Keyed
// weakly by the parsed CRL, so the answers go when the CRL leaves the cache.
const crlSignatures = new WeakMap<ParsedCrl, Map<string, boolean>>();

function crlSignedBy(crl: ParsedCrl, issuer: ParsedCertificate): boolean {
  let answers = crlSignatures.get(crl);
  if (!answers) crlSignatures.set(crl, (answers = new Map()));
  const hit = answers.get(issuer.info.fingerprint256);
  if (hit !== undefined) return hit;
  const ok = crlSignatureVerifies(crl, issuer);
  // Few issuers can match one CRL's issuer name; the cap only guards against a pathological run.
  if (answers.size < 16) answers.set(issuer.info.fingerprint256, ok);
  return ok;
}

function crlSignatureVerifies(crl: ParsedCrl, issuer: ParsedCertificate): boolean {
  const key = issuer.x509.publicKey;
  const type = key.asymmetricKeyType;
  const algo = type === 'ed25519' || type === 'ed448' ? null : (crl.signatureHash ?? 'sha256');
  try {
    return cryptoVerify(algo, crl.tbsDer, key, crl.signature);
  } catch {
    return false;
  }
}

/** Looks `cert` up in a CRL its issuer must have signed, current at `at`. */
export function judgeCrl(crl: ParsedCrl, cert: ParsedCertificate, issuer: ParsedCertificate, at: Date): RevocationOutcome {
  if (!crl.issuerDer.equals(issuer.subjectDer)) return unavailable('CRL issuer is not the certificate\'s issuer (indirect CRLs are not supported)');
  if (!crlSignedBy(crl, issuer)) return unavailable('CRL signature does not verify with the issuer\'s key');
  const stale = freshness(crl.thisUpdate, crl.nextUpdate, at, 'CRL');
  if (stale) return unavailable(stale);
  const hit = crl.revoked.get(cert.info.serial);
  if (!hit) return { status: 'good', detail: `not on the CRL (thisUpdate ${crl.thisUpdate}, ${crl.revoked.size} entries, signed by the issuer)` };
  return { status: 'revoked', detail: `CRL lists it REVOKED at ${hit.date}${hit.reason ? ` (${hit.reason})` : ''}`, revokedAt: hit.date, ...(hit.reason ? { reason: hit.reason } : {}) };
}
