// Stapled OCSP responses (RFC 6960): decoded with the DER walker, then checked against the leaf
// and its issuer: CertID (issuer name hash, issuer key hash, serial), status, freshness at the
// pinned clock, and the responder's signature (the issuer itself or a delegated OCSPSigning cert).

import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import {
  type Asn1,
  DerError,
  Tag,
  bitStringBytes,
  binaryToBuffer,
  children,
  expectUniversal,
  hexOf,
  integerHex,
  isContext,
  oid,
  parseDer,
  primitive,
  time,
  toDer,
} from '../certificates/der.js';
import { hashAlgorithms, signatureAlgorithms } from '../certificates/oids.js';
import { nameToString, parseCertificate } from '../certificates/parse.js';
import type { ParsedCertificate } from '../certificates/types.js';

export type OcspCertStatus = 'good' | 'revoked' | 'unknown';

export interface OcspSingleResponse {
  hashAlgorithm: string;
  issuerNameHash: string;
  issuerKeyHash: string;
  serial: string;
  status: OcspCertStatus;
  revocationTime?: string;
  revocationReason?: number;
  thisUpdate: string;
  nextUpdate?: string;
}

export interface OcspResponseInfo {
  /** OCSPResponseStatus: 0 successful, 1 malformedRequest, 2 internalError, 3 tryLater, 5 sigRequired, 6 unauthorized. */
  responseStatus: number;
  responseStatusName: string;
  /** `byName` responder (a Name) or `byKey` (SHA-1 of the responder key). */
  responder?: string;
  producedAt?: string;
  responses: OcspSingleResponse[];
  signatureAlgorithm?: string;
  /** Certificates the responder included (delegated responder). */
  certs: number;
}

/** What the parser keeps beside the JSON-able info, for the signature check. */
export interface ParsedOcspResponse {
  info: OcspResponseInfo;
  tbsDer?: Buffer;
  signature?: Buffer;
  signatureHash?: string;
  responderKeyHash?: string;
  responderNameDer?: Buffer;
  certs: ParsedCertificate[];
  /** extnValue contents of the nonce responseExtension, when the responder echoed one. */
  nonce?: Buffer;
  /** RFC 6962 §3.3: SCT lists (the extnValue OCTET STRING's contents) in single responses, by serial. */
  sctLists: Array<{ serial: string; list: Buffer }>;
}

const responseStatusNames: Readonly<Record<number, string>> = {
  0: 'successful',
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

const BASIC_OCSP = '1.3.6.1.5.5.7.48.1.1';
const OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';
/** The SCT list a CA puts in an OCSP single response (RFC 6962 §3.3). */
const OCSP_SCT_LIST = '1.3.6.1.4.1.11129.2.4.5';

/** The SCT list extension of a SingleResponse, if it has one. */
function singleSctList(parts: Asn1[]): Buffer | undefined {
  const exts = parts.slice(3).find((n) => isContext(n, 1));
  if (!exts) return undefined;
  for (const ext of children(children(exts, 'singleExtensions')[0], 'Extensions')) {
    const p = children(ext, 'Extension');
    if (oid(p[0], 'extnID') !== OCSP_SCT_LIST) continue;
    return binaryToBuffer(primitive(expectUniversal(p[p.length - 1], Tag.OCTETSTRING, 'extnValue'), 'extnValue'));
  }
  return undefined;
}

function singleResponse(node: Asn1, sctLists?: ParsedOcspResponse['sctLists']): OcspSingleResponse {
  const parts = children(node, 'SingleResponse');
  const [alg, nameHash, keyHash, serial] = children(parts[0], 'CertID');
  const hashOid = oid(children(alg, 'hashAlgorithm')[0], 'hashAlgorithm');
  const statusNode = parts[1];
  let status: OcspCertStatus;
  const out: Partial<OcspSingleResponse> = {};
  if (isContext(statusNode, 0)) status = 'good';
  else if (isContext(statusNode, 1)) {
    status = 'revoked';
    const revoked = children(statusNode, 'RevokedInfo');
    out.revocationTime = time(revoked[0], 'revocationTime').toISOString();
    if (isContext(revoked[1], 0)) {
      const reason = children(revoked[1], 'revocationReason')[0];
      if (reason) out.revocationReason = binaryToBuffer(primitive(reason, 'CRLReason'))[0];
    }
  } else if (isContext(statusNode, 2)) status = 'unknown';
  else throw new DerError('CertStatus: unexpected tag');
  const next = parts.slice(3).find((n) => isContext(n, 0));
  const res: OcspSingleResponse = {
    hashAlgorithm: hashAlgorithms[hashOid] ?? hashOid,
    issuerNameHash: hexOf(primitive(expectUniversal(nameHash, Tag.OCTETSTRING, 'issuerNameHash'), 'issuerNameHash')),
    issuerKeyHash: hexOf(primitive(expectUniversal(keyHash, Tag.OCTETSTRING, 'issuerKeyHash'), 'issuerKeyHash')),
    serial: integerHex(serial, 'serialNumber'),
    status,
    thisUpdate: time(parts[2], 'thisUpdate').toISOString(),
    ...out,
  };
  if (next) res.nextUpdate = time(children(next, 'nextUpdate')[0], 'nextUpdate').toISOString();
  const scts = sctLists ? singleSctList(parts) : undefined;
  if (scts) sctLists?.push({ serial: res.serial, list: scts });
  return res;
}

/** Decodes a DER OCSPResponse. Throws DerError when it is not one. */
export function parseOcspResponse(der: Uint8Array): ParsedOcspResponse {
  const top = children(expectUniversal(parseDer(der), Tag.SEQUENCE, 'OCSPResponse'), 'OCSPResponse');
  const statusNode = expectUniversal(top[0], Tag.ENUMERATED, 'responseStatus');
  const responseStatus = binaryToBuffer(primitive(statusNode, 'responseStatus'))[0] ?? 255;
  const info: OcspResponseInfo = {
    responseStatus,
    responseStatusName: responseStatusNames[responseStatus] ?? `unknown (${responseStatus})`,
    responses: [],
    certs: 0,
  };
  const parsed: ParsedOcspResponse = { info, certs: [], sctLists: [] };
  if (!isContext(top[1], 0)) return parsed;
  const [typeNode, bytesNode] = children(children(top[1], 'responseBytes')[0], 'ResponseBytes');
  const type = oid(typeNode, 'responseType');
  if (type !== BASIC_OCSP) throw new DerError(`responseType ${type} is not id-pkix-ocsp-basic`);
  const basic = children(parseDer(binaryToBuffer(primitive(expectUniversal(bytesNode, Tag.OCTETSTRING, 'response'), 'response'))), 'BasicOCSPResponse');
  const [tbs, sigAlg, sig, certsNode] = basic;
  const data = children(tbs, 'ResponseData');
  let i = 0;
  if (isContext(data[0], 0)) i++; // version
  const responderNode = data[i++];
  if (isContext(responderNode, 1)) {
    const name = children(responderNode, 'byName')[0];
    info.responder = nameToString(name).text;
    parsed.responderNameDer = toDer(name);
  } else if (isContext(responderNode, 2)) {
    const keyHash = hexOf(primitive(children(responderNode, 'byKey')[0], 'KeyHash'));
    info.responder = `key SHA-1 ${keyHash}`;
    parsed.responderKeyHash = keyHash;
  } else throw new DerError('ResponderID: unexpected tag');
  info.producedAt = time(data[i++], 'producedAt').toISOString();
  info.responses = children(data[i], 'responses').map((r) => singleResponse(r, parsed.sctLists));
  const extensions = data[i + 1];
  if (isContext(extensions, 1)) {
    for (const ext of children(children(extensions, 'responseExtensions')[0], 'Extensions')) {
      const parts = children(ext, 'Extension');
      if (oid(parts[0], 'extnID') !== OCSP_NONCE) continue;
      parsed.nonce = binaryToBuffer(primitive(expectUniversal(parts[parts.length - 1], Tag.OCTETSTRING, 'extnValue'), 'extnValue'));
    }
  }
  const sigOid = oid(children(sigAlg, 'signatureAlgorithm')[0], 'signatureAlgorithm');
  const sigInfo = signatureAlgorithms[sigOid];
  info.signatureAlgorithm = sigInfo?.name ?? sigOid;
  parsed.signatureHash = sigInfo?.hash;
  parsed.tbsDer = toDer(tbs);
  parsed.signature = bitStringBytes(sig, 'signature');
  if (isContext(certsNode, 0)) {
    for (const c of children(children(certsNode, 'certs')[0], 'certs')) {
      parsed.certs.push(parseCertificate(toDer(c)));
    }
  }
  info.certs = parsed.certs.length;
  return parsed;
}

export interface OcspCheck {
  check: 'ocsp.response' | 'ocsp.match' | 'ocsp.status' | 'ocsp.fresh' | 'ocsp.signature';
  ok: boolean;
  severity: 'error' | 'warning' | 'info';
  reason: string;
}

function hash(alg: string, data: Buffer): string {
  return createHash(alg).update(data).digest('hex');
}

export function verifySignature(parsed: ParsedOcspResponse, key: KeyObject): boolean {
  if (!parsed.tbsDer || !parsed.signature) return false;
  const type = key.asymmetricKeyType;
  const algo = type === 'ed25519' || type === 'ed448' ? null : (parsed.signatureHash ?? 'sha256');
  try {
    return cryptoVerify(algo, parsed.tbsDer, key, parsed.signature);
  } catch {
    return false;
  }
}

/**
 * Checks a parsed staple against the leaf and its issuer at time `at`. `issuer` may be unknown
 * (missing intermediate): then only the serial and status can be checked.
 */
export function checkOcsp(parsed: ParsedOcspResponse, leaf: ParsedCertificate, issuer: ParsedCertificate | undefined, at: Date): OcspCheck[] {
  const out: OcspCheck[] = [];
  const info = parsed.info;
  if (info.responseStatus !== 0) {
    out.push({ check: 'ocsp.response', ok: false, severity: 'warning', reason: `stapled OCSP response status is ${info.responseStatusName}` });
    return out;
  }
  const single = info.responses.find((r) => {
    if (r.serial !== leaf.info.serial) return false;
    if (!issuer) return true;
    const alg = r.hashAlgorithm;
    try {
      return r.issuerNameHash === hash(alg, issuer.subjectDer) && r.issuerKeyHash === hash(alg, issuer.subjectPublicKeyBits);
    } catch {
      return false;
    }
  });
  if (!single) {
    const serials = info.responses.map((r) => r.serial).join(', ') || 'none';
    out.push({ check: 'ocsp.match', ok: false, severity: 'warning', reason: `stapled OCSP response is not for this certificate (leaf serial ${leaf.info.serial}; response serials ${serials})` });
    return out;
  }
  out.push({
    check: 'ocsp.match',
    ok: true,
    severity: 'warning',
    reason: issuer ? `OCSP CertID matches the leaf serial ${single.serial} and its issuer` : `OCSP serial matches the leaf (issuer unknown, hashes not checked)`,
  });
  if (single.status === 'good') out.push({ check: 'ocsp.status', ok: true, severity: 'error', reason: 'OCSP status good' });
  else if (single.status === 'revoked') out.push({ check: 'ocsp.status', ok: false, severity: 'error', reason: `OCSP says REVOKED at ${single.revocationTime ?? '?'}` });
  else out.push({ check: 'ocsp.status', ok: false, severity: 'warning', reason: 'OCSP status unknown (the responder does not know this certificate)' });
  const t = at.getTime();
  const thisUpdate = Date.parse(single.thisUpdate);
  const nextUpdate = single.nextUpdate ? Date.parse(single.nextUpdate) : undefined;
  if (thisUpdate > t) out.push({ check: 'ocsp.fresh', ok: false, severity: 'warning', reason: `OCSP thisUpdate ${single.thisUpdate} is in the future` });
  else if (nextUpdate !== undefined && nextUpdate < t) out.push({ check: 'ocsp.fresh', ok: false, severity: 'warning', reason: `OCSP response expired (nextUpdate ${single.nextUpdate})` });
  else out.push({ check: 'ocsp.fresh', ok: true, severity: 'warning', reason: `OCSP response current (thisUpdate ${single.thisUpdate}${single.nextUpdate ? `, nextUpdate ${single.nextUpdate}` : ''})` });
  if (issuer) {
    const signer = ocspSigner(parsed, issuer);
    out.push(
      signer
        ? { check: 'ocsp.signature', ok: true, severity: 'warning', reason: `OCSP response signed by ${signer}` }
        : { check: 'ocsp.signature', ok: false, severity: 'warning', reason: 'OCSP response signature does not verify with the issuer or an authorised responder' },
    );
  }
  return out;
}


/**
 * Who signed the response: the issuing CA itself, or a delegated responder certificate included
 * in the response that the issuer signed and that carries id-kp-OCSPSigning; undefined if neither.
 */
export function ocspSigner(parsed: ParsedOcspResponse, issuer: ParsedCertificate): string | undefined {
  if (verifySignature(parsed, issuer.x509.publicKey)) return 'the issuing CA';
  for (const c of parsed.certs) {
    const delegated = c.info.extendedKeyUsage?.includes('OCSPSigning') ?? false;
    if (delegated && c.issuerDer.equals(issuer.subjectDer) && c.x509.verify(issuer.x509.publicKey) && verifySignature(parsed, c.x509.publicKey)) {
      return `delegated responder ${c.info.subject}`;
    }
  }
  return undefined;
}

/** The single response for `cert` issued by `issuer` (CertID hashes and serial), if any. */
export function findSingleResponse(info: OcspResponseInfo, cert: ParsedCertificate, issuer: ParsedCertificate): OcspSingleResponse | undefined {
  return info.responses.find((r) => {
    try {
      return r.serial === cert.info.serial && r.issuerNameHash === hash(r.hashAlgorithm, issuer.subjectDer) && r.issuerKeyHash === hash(r.hashAlgorithm, issuer.subjectPublicKeyBits);
    } catch {
      return false;
    }
  });
}
