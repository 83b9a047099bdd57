// One bounded HTTP exchange for revocation data and caIssuers: http only (CAs publish OCSP, CRLs
// and caIssuers over plain http so that checking them needs no TLS), a deadline, a size cap. Never
// throws: a failure is a sentence saying why. The name is resolved as the handshake's is
// (resolve.ts: /etc/hosts, then c-ares, cancelled at the deadline), or taken from --resolve.

import http from 'node:http';
import net, { type LookupFunction } from 'node:net';
import { resolveHost } from './resolve.js';

export interface HttpFetchRequest {
  url: string;
  /** POST this body (OCSP); GET when absent. */
  body?: Buffer;
  contentType?: string;
  timeoutMs: number;
  maxBytes: number;
  /** Name resolution (the injected resolver in tests, so no query leaves the machine). */
  lookup?: LookupFunction;
  /** Addresses to use for a host and port instead of resolving it (`--resolve`), if any. */
  pinned?: (host: string, port: number) => string[] | undefined;
}

export type HttpFetchResult = { ok: true; body: Buffer; contentType?: string } | { ok: false; why: string };

/** Injectable so tests can count or refuse fetches. */
export type HttpFetcher = (req: HttpFetchRequest) => Promise<HttpFetchResult>;

export const httpFetch: HttpFetcher = async (req) => {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return { ok: false, why: `not a URL: ${req.url}` };
  }
  if (url.protocol !== 'http:') return { ok: false, why: `only http URLs are fetched (${url.protocol.replace(':', '')})` };
  const started = Date.now();
  const address = await addressOf(url, req);
  if ('why' in address) return { ok: false, why: address.why };
  return exchange(url, address.ip, { ...req, timeoutMs: req.timeoutMs - (Date.now() - started) });
};

/** Where to connect for the URL's host: a literal, a --resolve pin, or the resolver's first answer. */
async function addressOf(url: URL, req: HttpFetchRequest): Promise<{ ip: string } | { why: string }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) return { ip: host };
  const port = Number(url.port || 80);
  const pin = req.pinned?.(host, port)?.[0];
  if (pin) return { ip: pin };
  const r = await resolveHost(host, { timeoutMs: Math.max(1, req.timeoutMs), ...(req.lookup ? { lookup: req.lookup } : {}) });
  return 'error' in r ? { why: `${req.url}: ${r.error}` } : { ip: r.addresses[0].address };
}

function exchange(url: URL, ip: string, req: HttpFetchRequest): Promise<HttpFetchResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: HttpFetchResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(r);
    };
    // Connect to the address, but name the URL's host in the request, as any HTTP client does.
    const headers: Record<string, string | number> = { accept: '*/*', host: url.host };
    if (req.body) Object.assign(headers, { 'content-type': req.contentType ?? 'application/octet-stream', 'content-length': req.body.length });
    const options = { host: ip, port: Number(url.port || 80), path: `${url.pathname}${url.search}`, method: req.body ? 'POST' : 'GET', headers };
    const request = http.request(options, (res) => {
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
}
