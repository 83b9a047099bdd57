// Which proxy a target goes through: `--proxy URL` or the environment (https_proxy, then
// HTTPS_PROXY, as curl reads them for https:// URLs), unless the target is in the no-proxy list
// (`--noproxy LIST`, else no_proxy, then NO_PROXY). Only http:// proxies (HTTP CONNECT) exist here.

import net from 'node:net';
import type { ProxySettings } from '../capture/proxy.js';
import { UsageError } from '../errors.js';
import { parsePort } from './target.js';

/** curl's default proxy port when the URL names none. */
export const DEFAULT_PROXY_PORT = 1080;

/**
 * Parses a proxy URL: `http://[user[:pass]@]host[:port]` (a URL without a scheme is taken as
 * http://, as curl does). `where` names the flag or variable in errors.
 */
export function parseProxyUrl(text: string, where: string): ProxySettings {
  const hint = 'e.g. http://proxy.example:3128 or http://user:pass@10.0.0.1:8080';
  // `ht!tp://x` has a "://" but no scheme: prefixing http:// would call it a path, which it is not.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && /^[^/@]*:\/\//.test(text)) throw new UsageError(`${where}: "${text}" does not start with a URL scheme`, hint);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  const scheme = withScheme.slice(0, withScheme.indexOf(':')).toLowerCase();
  if (scheme !== 'http') {
    throw new UsageError(`${where}: ${scheme}:// proxies are not supported, only http:// (HTTP CONNECT)`, 'give an http:// proxy, or --proxy "" to connect directly');
  }
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`${where}: "${text}" is not a proxy URL`, hint);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new UsageError(`${where}: "${text}" has a path or query; a proxy URL is http://[user:pass@]host[:port]`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new UsageError(`${where}: "${text}" names no proxy host`);
  const port = url.port === '' ? DEFAULT_PROXY_PORT : parsePort(url.port, text);
  const proxy: ProxySettings = { host, port };
  if (url.username !== '' || url.password !== '') proxy.auth = { user: decode(url.username, where), pass: decode(url.password, where) };
  return proxy;
}

function decode(s: string, where: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new UsageError(`${where}: the credentials in the proxy URL have a bad %-escape`, 'write % itself as %25');
  }
}

/** The proxy from the flags and environment: undefined for none; the flag wins, '' means none. */
export function proxyFromEnv(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): ProxySettings | undefined {
  if (flag !== undefined) return flag === '' ? undefined : parseProxyUrl(flag, '--proxy');
  for (const name of ['https_proxy', 'HTTPS_PROXY']) {
    const v = env[name];
    if (v) return parseProxyUrl(v, name);
  }
  return undefined;
}

/** The no-proxy list in force: `--noproxy` beats no_proxy, which beats NO_PROXY. */
export function noProxyList(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return flag ?? env.no_proxy ?? env.NO_PROXY ?? '';
}

/**
 * Whether `host:port` bypasses the proxy. Entries are separated by commas or spaces. `*` matches
 * every host. A name matches itself and every name under it (`example.com` and `.example.com`
 * both cover `example.com` and `www.example.com`, not `notexample.com`), case-insensitively. An
 * IP address (IPv6 with or without brackets) or a CIDR block (`10.0.0.0/8`) matches IP targets
 * only, by value. `NAME:PORT` or `[IPv6]:PORT` limits an entry to that port.
 */
export function bypassesProxy(list: string, host: string, port: number): boolean {
  const target = host.toLowerCase().replace(/\.$/, '');
  const family = net.isIP(target);
  return list
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((raw) => {
      if (raw === '*') return true;
      const { name, entryPort } = splitPort(raw);
      if (entryPort !== undefined && entryPort !== port) return false;
      const slash = name.indexOf('/');
      const ip = slash === -1 ? name : name.slice(0, slash);
      const ipFamily = net.isIP(ip);
      if (ipFamily) return family !== 0 && ipMatches(ip, ipFamily, slash === -1 ? undefined : name.slice(slash + 1), target, family);
      const domain = name.toLowerCase().replace(/^\./, '').replace(/\.$/, '');
      return family === 0 && domain !== '' && (target === domain || target.endsWith(`.${domain}`));
    });
}

function splitPort(entry: string): { name: string; entryPort?: number } {
  const bracket = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(entry);
  if (bracket) return { name: bracket[1], ...(bracket[2] ? { entryPort: Number(bracket[2]) } : {}) };
  // A bare IPv6 address has several colons and no port.
  const m = /^([^:]+):([0-9]+)$/.exec(entry);
  return m ? { name: m[1], entryPort: Number(m[2]) } : { name: entry };
}

function ipMatches(ip: string, ipFamily: number, bits: string | undefined, target: string, family: number): boolean {
  const type = ipFamily === 6 ? 'ipv6' : 'ipv4';
  if (family !== ipFamily) return false;
  const list = new net.BlockList();
  if (bits === undefined) list.addAddress(ip, type);
  else {
    const n = Number(bits);
    if (!/^[0-9]{1,3}$/.test(bits) || n > (ipFamily === 6 ? 128 : 32)) return false;
    list.addSubnet(ip, n, type);
  }
  return list.check(target, type);
}
