// Missing intermediates: when the path stops at an issuer the server did not send, fetch the
// caIssuers URL of the certificate it stops at (DER certificate or PKCS#7 certs-only bundle) and
// keep the certificate that has the issuer's name and verifies the signature. The chain report
// still says it was fetched: many clients never fetch.

import { children, expectUniversal, isContext, oid, parseDer, Tag, toDer } from '../../analyse/certificates/der.js';
import type { ParsedCertificate } from '../../analyse/certificates/types.js';
import { buildPath, parseCached } from '../../analyse/chain/path.js';
import type { TrustStore } from '../../analyse/chain/trust-store.js';
import type { FetchedIssuer } from '../../analyse/chain/types.js';
import { MAX_CA_ISSUERS_BYTES } from '../../limits.js';
import { fetchBudget, type FetchContext } from './chain-revocation.js';

const PKCS7_SIGNED_DATA = '1.2.840.113549.1.7.2';
/** Fetches per target: enough for leaf → two missing intermediates, bounded against loops. */
const MAX_ISSUER_FETCHES = 3;

/** Certificates in a caIssuers body: one DER certificate, or a PKCS#7 SignedData's certificates. */
export function certificatesIn(body: Buffer): Buffer[] {
  const top = children(expectUniversal(parseDer(body), Tag.SEQUENCE, 'caIssuers body'), 'caIssuers body');
  if (top[0] && top[0].tagClass === 0 && top[0].type === Tag.OID) {
    if (oid(top[0], 'contentType') !== PKCS7_SIGNED_DATA) return [];
    const signed = children(children(top[1], 'content')[0], 'SignedData');
    const certs = signed.find((n) => isContext(n, 0));
    return certs ? children(certs, 'certificates').map(toDer) : [];
  }
  return [body];
}

export interface CompletedChain {
  fetched: FetchedIssuer[];
  /** Why a fetch gave nothing (shown beside the missing-intermediate error). */
  failures: string[];
}

export async function completeChain(sent: ParsedCertificate[], store: TrustStore, ctx: FetchContext): Promise<CompletedChain> {
  const out: CompletedChain = { fetched: [], failures: [] };
  const extra: ParsedCertificate[] = [];
  for (let n = 0; n < MAX_ISSUER_FETCHES; n++) {
    const { path, end } = buildPath([...sent, ...extra], store);
    if (end.kind !== 'missing-issuer') break;
    const url = end.caIssuers[0];
    if (!url) break;
    const timeoutMs = fetchBudget(ctx);
    if (timeoutMs === undefined) {
      out.failures.push(`caIssuers ${url}: the target's --timeout deadline passed`);
      break;
    }
    const res = await ctx.fetcher({ url, timeoutMs, maxBytes: MAX_CA_ISSUERS_BYTES });
    if (!res.ok) {
      out.failures.push(`caIssuers ${res.why}`);
      break;
    }
    const child = path[path.length - 1].cert;
    let found: ParsedCertificate | undefined;
    try {
      found = certificatesIn(res.body)
        .map((der) => parseCached(der))
        .find((c) => c.subjectDer.equals(child.issuerDer) && child.x509.verify(c.x509.publicKey));
    } catch (e) {
      out.failures.push(`caIssuers ${url}: not a certificate or PKCS#7 bundle (${e instanceof Error ? e.message : String(e)})`);
      break;
    }
    if (!found) {
      out.failures.push(`caIssuers ${url}: no certificate in it is the issuer`);
      break;
    }
    extra.push(found);
    out.fetched.push({ der: found.der.toString('hex'), url });
  }
  return out;
}
