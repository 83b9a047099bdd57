// Where a connection really goes, as opposed to the target it is for: `--connect-to` (another host
// and port, SNI and certificate checks unchanged), `--resolve` (fixed addresses for a name, no
// DNS), `-4`/`-6` (one address family), and a proxy (the TCP connection goes to the proxy, which
// resolves the target's name itself). The CLI matches the user's rules to a target; this module
// only applies the result, the same way for trace, check and scan.

import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import type { ProxySettings } from './proxy.js';
import type { CaptureTarget } from './types.js';
import { resolveHost, type ResolveOptions, type Resolved } from './resolve.js';

export interface RouteOptions {
  /** `--connect-to`: the host and port connected to instead of the target's (SNI stays the target's). */
  connectTo?: { host: string; port: number };
  /** `--resolve`: the addresses of the name looked up here (the proxy's, with a proxy), without DNS. */
  pinnedAddresses?: string[];
  /** `-4` / `-6`: only addresses of this family. */
  family?: 4 | 6;
  /** Tunnel through this HTTP proxy (CONNECT). */
  proxy?: ProxySettings;
}

/** What a route amounts to for one target. */
export interface Dial {
  /** The name (or IP literal) looked up here and its port: the proxy's with a proxy. */
  host: string;
  port: number;
  /** With a proxy: the authority asked for in CONNECT (the proxy resolves its name). */
  tunnelTo?: { host: string; port: number };
}

export function dialFor(host: string, port: number, route: RouteOptions): Dial {
  const target = route.connectTo ?? { host, port };
  if (route.proxy) return { host: route.proxy.host, port: route.proxy.port, tunnelTo: target };
  return target;
}

/** The addresses to connect to for `dial`, honouring pinned addresses and the family; never rejects. */
export async function resolveDial(dial: Dial, route: RouteOptions, opts: ResolveOptions): Promise<Resolved> {
  let r: Resolved;
  if (route.pinnedAddresses && route.pinnedAddresses.length > 0) {
    r = { addresses: route.pinnedAddresses.map((address): LookupAddress => ({ address, family: net.isIP(address) })) };
  } else r = await resolveHost(dial.host, opts);
  if ('error' in r || !route.family) return r;
  const kept = r.addresses.filter((a) => a.family === route.family);
  if (kept.length > 0) return { addresses: kept };
  const had = r.addresses.map((a) => a.address).join(', ');
  return { error: `${dial.host} has no IPv${route.family} address (-${route.family} was given; it has ${had})` };
}

/** What the capture's target records of the route (never the proxy's credentials). */
export function routeFacts(route: RouteOptions): Pick<CaptureTarget, 'connectTo' | 'proxy' | 'pinned'> {
  const p = route.proxy;
  return {
    ...(route.connectTo ? { connectTo: { ...route.connectTo } } : {}),
    ...(p ? { proxy: { host: p.host, port: p.port, ...(p.auth ? { auth: true } : {}) } } : {}),
    ...(route.pinnedAddresses ? { pinned: true } : {}),
  };
}
