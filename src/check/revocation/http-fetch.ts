// One bounded HTTP exchange for revocation data and caIssuers: http only (CAs publish OCSP, CRLs
// and caIssuers over plain http so that checking them needs no TLS), a deadline, a size cap. Never
// throws: a failure is a sentence saying why.

import http from 'node:http';
import type { LookupFunction } from 'node:net';

export interface HttpFetchRequest {
  url: string;
  /** POST this body (OCSP); GET when absent. */
  body?: Buffer;
  contentType?: string;
  timeoutMs: number;
  maxBytes: number;
  /** Name resolution (the injected resolver in tests, so no query leaves the machine). */
  lookup?: LookupFunction;
}

export type HttpFetchResult = { ok: true; body: Buffer; contentType?: string } | { ok: false; why: string };

/** Injectable so tests can count or refuse fetches. */
export type HttpFetcher = (req: HttpFetchRequest) => Promise<HttpFetchResult>;

export const httpFetch: HttpFetcher = (req) =>
  new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      resolve({ ok: false, why: `not a URL: ${req.url}` });
      return;
    }
    if (url.protocol !== 'http:') {
      resolve({ ok: false, why: `only http URLs are fetched (${url.protocol.replace(':', '')})` });
      return;
    }
    let settled = false;
    const finish = (r: HttpFetchResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(r);
    };
    const headers: Record<string, string | number> = { accept: '*/*' };
    if (req.body) Object.assign(headers, { 'content-type': req.contentType ?? 'application/octet-stream', 'content-length': req.body.length });
    const request = http.request(url, { method: req.body ? 'POST' : 'GET', headers, ...(req.lookup ? { lookup: req.lookup } : {}) }, (res) => {
      if ((res.statusCode ?? 0) !== 200) {
        finish({ ok: false, why: `HTTP ${res.statusCode ?? '?'} from ${req.url}` });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > req.maxBytes) finish({ ok: false, why: `response from ${req.url} is larger than tls-trace's limit of ${req.maxBytes} bytes` });
        else chunks.push(c);
      });
      res.on('end', () => finish({ ok: true, body: Buffer.concat(chunks), ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}) }));
      res.on('error', (e) => finish({ ok: false, why: `${req.url}: ${e.message}` }));
    });
    const timer = setTimeout(() => finish({ ok: false, why: `no answer from ${req.url} within ${req.timeoutMs} ms` }), Math.max(1, req.timeoutMs));
    request.on('error', (e) => finish({ ok: false, why: `${req.url}: ${e.message}` }));
    request.end(req.body);
  });
