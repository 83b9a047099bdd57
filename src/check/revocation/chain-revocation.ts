// Revocation for every certificate on the path that has an issuer (leaf and intermediates; a
// trust anchor is trusted as configured): a valid staple first (leaf), then the AIA OCSP
// responder, then the CRL Distribution Points. Each source that gives no answer says why, so an
// `unavailable` result carries every reason.

import { randomBytes } from 'node:crypto';
import type { ParsedCertificate } from '../../analyse/certificates/types.js';
import { buildOcspRequest, nonceExtnValue } from '../../analyse/chain/ocsp-request.js';
import type { PathNode } from '../../analyse/chain/path.js';
import { judgeCrl, judgeOcspResponse, parseCrl, type ParsedCrl, type RevocationOutcome } from '../../analyse/chain/revocation.js';
import type { RevocationResult } from '../../analyse/chain/types.js';
import { MAX_CACHED_CRLS, MAX_CACHED_OCSP, MAX_CRL_BYTES, MAX_OCSP_RESPONSE_BYTES, MAX_REVOCATION_FETCH_MS } from '../../limits.js';
import type { HttpFetcher } from '../../capture/http-fetch.js';

export interface FetchContext {
  at: Date;
  /** Date.now() value past which nothing more is fetched for this target. */
  deadline: number;
  fetcher: HttpFetcher;
  crls: CrlCache;
  /** Responder answers already had this run (absent: ask every time). */
  ocsp?: OcspCache;
}

/** Milliseconds a fetch may take now, or undefined when the target's deadline has passed. */
export function fetchBudget(ctx: FetchContext): number | undefined {
  const left = ctx.deadline - Date.now();
  return left <= 0 ? undefined : Math.min(MAX_REVOCATION_FETCH_MS, left);
}

const DEADLINE_PASSED = "the target's --timeout deadline passed before it could be fetched";

/**
 * CRLs by URL for one run: a fleet shares a handful of CAs, so each CRL is fetched once and kept
 * until its nextUpdate. Failures are not kept (the next target tries again).
 */
export class CrlCache {
  private readonly entries = new Map<string, Promise<ParsedCrl | string>>();

  get(url: string, ctx: FetchContext): Promise<ParsedCrl | string> {
    const hit = this.entries.get(url);
    if (hit) return hit;
    if (this.entries.size >= MAX_CACHED_CRLS) this.entries.delete(this.entries.keys().next().value as string);
    const pending = this.load(url, ctx);
    this.entries.set(url, pending);
    void pending.then((r) => {
      const stale = typeof r !== 'string' && r.nextUpdate !== undefined && Date.parse(r.nextUpdate) < ctx.at.getTime();
      if (typeof r === 'string' || stale) this.entries.delete(url);
    });
    return pending;
  }

  private async load(url: string, ctx: FetchContext): Promise<ParsedCrl | string> {
    const timeoutMs = fetchBudget(ctx);
    if (timeoutMs === undefined) return `CRL ${url}: ${DEADLINE_PASSED}`;
    const res = await ctx.fetcher({ url, timeoutMs, maxBytes: MAX_CRL_BYTES });
    if (!res.ok) return `CRL ${res.why}`;
    try {
      return parseCrl(res.body);
    } catch (e) {
      return `CRL from ${url} could not be decoded: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}

/**
 * Responder answers for one run, by URL and certificate: a fleet serves one certificate behind
 * many names, and asking again would give the same verdict, since every answer is judged at the
 * run's pinned clock. The fetch is shared while in flight; unavailable answers are not kept (the
 * next target tries again).
 */
export class OcspCache {
  private readonly entries = new Map<string, Promise<RevocationOutcome>>();

  get(url: string, cert: ParsedCertificate, issuer: ParsedCertificate, ctx: FetchContext): Promise<RevocationOutcome> {
    const key = `${url} ${issuer.info.fingerprint256} ${cert.info.serial}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    if (this.entries.size >= MAX_CACHED_OCSP) this.entries.delete(this.entries.keys().next().value as string);
    const pending = askResponder(url, cert, issuer, ctx);
    this.entries.set(key, pending);
    void pending.then((r) => {
      if (r.status === 'unavailable') this.entries.delete(key);
    });
    return pending;
  }
}

async function askResponder(url: string, cert: ParsedCertificate, issuer: ParsedCertificate, ctx: FetchContext): Promise<RevocationOutcome> {
  const timeoutMs = fetchBudget(ctx);
  if (timeoutMs === undefined) return { status: 'unavailable', detail: `OCSP ${url}: ${DEADLINE_PASSED}` };
  const nonce = randomBytes(16);
  const body = buildOcspRequest(cert, issuer, nonce);
  const res = await ctx.fetcher({ url, body, contentType: 'application/ocsp-request', timeoutMs, maxBytes: MAX_OCSP_RESPONSE_BYTES });
  if (!res.ok) return { status: 'unavailable', detail: `OCSP ${res.why}` };
  const out = judgeOcspResponse(res.body, cert, issuer, ctx.at, nonceExtnValue(nonce));
  return out.status === 'unavailable' ? { ...out, detail: `OCSP ${url}: ${out.detail}` } : out;
}

type Attempt = Pick<RevocationResult, 'method' | 'url'> & RevocationOutcome;

async function* attempts(cert: ParsedCertificate, issuer: ParsedCertificate, staple: Uint8Array | undefined, ctx: FetchContext): AsyncGenerator<Attempt> {
  if (staple) {
    const out = judgeOcspResponse(staple, cert, issuer, ctx.at);
    yield { method: 'ocsp-staple', ...out, detail: out.status === 'unavailable' ? `stapled OCSP response: ${out.detail}` : out.detail };
  }
  // The first responder only: CAs list one, and a second would double the wait on failure.
  const ocspUrl = cert.info.aia.ocsp[0];
  if (ocspUrl) yield { method: 'ocsp', url: ocspUrl, ...(await (ctx.ocsp ? ctx.ocsp.get(ocspUrl, cert, issuer, ctx) : askResponder(ocspUrl, cert, issuer, ctx))) };
  for (const url of cert.info.crlDistributionPoints ?? []) {
    const crl = await ctx.crls.get(url, ctx);
    if (typeof crl === 'string') yield { method: 'crl', url, status: 'unavailable', detail: crl };
    else {
      const out = judgeCrl(crl, cert, issuer, ctx.at);
      yield { method: 'crl', url, ...out, detail: out.status === 'unavailable' ? `CRL ${url}: ${out.detail}` : out.detail };
    }
  }
}

export async function certificateRevocation(cert: ParsedCertificate, issuer: ParsedCertificate, staple: Uint8Array | undefined, ctx: FetchContext): Promise<RevocationResult> {
  const base = { fingerprint256: cert.info.fingerprint256, subject: cert.info.subject, serial: cert.info.serial };
  const tried: string[] = [];
  for await (const a of attempts(cert, issuer, staple, ctx)) {
    if (a.status !== 'unavailable') return { ...base, ...a, ...(tried.length ? { tried } : {}) };
    tried.push(a.detail);
  }
  if (!tried.length) return { ...base, status: 'unavailable', method: 'none', detail: 'no OCSP responder or CRL distribution point in the certificate' };
  return { ...base, status: 'unavailable', method: 'none', detail: tried.join('; '), tried };
}

/** Every certificate on the path with an issuer; the staple applies to the leaf only. */
export function chainRevocation(path: PathNode[], staple: Uint8Array | undefined, ctx: FetchContext): Promise<RevocationResult[]> {
  const jobs: Array<Promise<RevocationResult>> = [];
  for (let i = 0; i + 1 < path.length; i++) {
    if (path[i].anchor) break;
    jobs.push(certificateRevocation(path[i].cert, path[i + 1].cert, i === 0 ? staple : undefined, ctx));
  }
  return Promise.all(jobs);
}
