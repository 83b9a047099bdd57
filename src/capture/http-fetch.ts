// One bounded HTTP exchange for revocation data and caIssuers: http only (CAs publish OCSP, CRLs
// and caIssuers over plain http so that checking them needs no TLS), a deadline, a size cap. Never
// throws: a failure is a sentence saying why. The name is resolved as the handshake's is
// (resolve.ts: /etc/hosts, then c-ares, cancelled at the deadline), or taken from --resolve.
// Through an HTTP proxy (the handshake's --proxy / HTTPS_PROXY, unless NO_PROXY names the URL's
// host) the request goes to the proxy in absolute form (`GET http://host/path`, RFC 9112 §3.2.2),
// and the proxy resolves the name.

import http from 'node:http';
import net, { type LookupFunction } from 'node:net';
import { resolveHost } from './resolve.js';
import { formatAddress } from './options.js';
import type { ProxySettings } from './proxy.js';

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
  /** The HTTP proxy for a URL's host and port (none: connect directly). */
  proxyFor?: (host: string, port: number) => ProxySettings | undefined;
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
  const proxy = req.proxyFor?.(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80));
  const hop = proxy ? { host: proxy.host, port: proxy.port } : { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
  const address = await addressOf(hop.host, hop.port, req);
  if ('why' in address) return { ok: false, why: proxy ? `${req.url}: proxy ${address.why}` : `${req.url}: ${address.why}` };
  // The timer gets what resolving left of the budget; the message names the whole budget, which is what the user set.
  const remainingMs = req.timeoutMs - (Date.now() - started);
  return exchange(url, { ip: address.ip, port: hop.port, ...(proxy ? { proxy } : {}) }, req, remainingMs);
};

/** Where to connect for a host: a literal, a --resolve pin, or the resolver's first answer. */
async function addressOf(host: string, port: number, req: HttpFetchRequest): Promise<{ ip: string } | { why: string }> {
  if (net.isIP(host)) return { ip: host };
  const pin = req.pinned?.(host, port)?.[0];
  if (pin) return { ip: pin };
  const r = await resolveHost(host, { timeoutMs: Math.max(1, req.timeoutMs), ...(req.lookup ? { lookup: req.lookup } : {}) });
  return 'error' in r ? { why: r.error } : { ip: r.addresses[0].address };
}

/** Where the request goes: the URL's server, or a proxy that is handed the whole URL. */
interface Hop {
  ip: string;
  port: number;
  proxy?: ProxySettings;
}

/** The request line's target and headers: origin form to the server, absolute form (and credentials) to a proxy. */
function requestHead(url: URL, hop: Hop, req: HttpFetchRequest): { path: string; headers: Record<string, string | number> } {
  // Connect to the address, but name the URL's host in the request, as any HTTP client does.
  const headers: Record<string, string | number> = { accept: '*/*', host: url.host };
  if (req.body) Object.assign(headers, { 'content-type': req.contentType ?? 'application/octet-stream', 'content-length': req.body.length });
  const origin = `${url.pathname}${url.search}`;
  if (!hop.proxy) return { path: origin, headers };
  const auth = hop.proxy.auth;
  if (auth) headers['proxy-authorization'] = `Basic ${Buffer.from(`${auth.user}:${auth.pass}`, 'utf8').toString('base64')}`;
  return { path: `${url.protocol}//${url.host}${origin}`, headers };
}

function exchange(url: URL, hop: Hop, req: HttpFetchRequest, remainingMs: number): Promise<HttpFetchResult> {
  const via = hop.proxy ? ` (via proxy ${formatAddress(hop.proxy.host, hop.proxy.port)})` : '';
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: HttpFetchResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(r);
    };
    const { path, headers } = requestHead(url, hop, req);
    const options = { host: hop.ip, port: hop.port, path, method: req.body ? 'POST' : 'GET', headers };
    const request = http.request(options, (res) => {
      if ((res.statusCode ?? 0) !== 200) {
        finish({ ok: false, why: `HTTP ${res.statusCode ?? '?'} from ${req.url}${via}` });
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
    const timer = setTimeout(() => finish({ ok: false, why: `no answer from ${req.url}${via} within ${req.timeoutMs} ms` }), Math.max(1, remainingMs));
    request.on('error', (e) => finish({ ok: false, why: `${req.url}${via}: ${e.message}` }));
    request.end(req.body);
  });
}
