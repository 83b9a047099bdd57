// The one place trace, check and scan turn a host name into addresses, always inside the caller's
// deadline.
//
// Why not `dns.lookup` (getaddrinfo)? Measured with Node 20 on 2-core Linux (glibc), resolv.conf
// pointing at a DNS server that drops every query (glibc gives up after 2 × 5 s):
// - getaddrinfo runs on libuv's thread pool and cannot be cancelled, and its pending request keeps
//   the event loop alive: `trace --timeout 1500` printed its answer at 1.5 s and the process
//   exited at 11 s (the issue saw 60 s); `scan` had no DNS deadline at all.
// - libuv lets slow DNS requests use only half of the 4 pool threads: with five names hanging,
//   `localhost` (answered from /etc/hosts!) waited 20 s behind them, so `check` reported names
//   behind valid servers as DNS timeouts.
// c-ares (`dns.promises.Resolver`) is asynchronous, uses no thread pool, and `cancel()` ends
// its queries at once (a pending query also keeps the process alive, 72 s with default retries;
// cancelled, the process exited 25 ms later). With it the same trace exits at 1.9 s.
// So names go to c-ares, one Resolver per look-up so that cancelling one target's query leaves the
// others alone, with the servers Node took from resolv.conf (`dns.getServers()`). c-ares' query
// API does not read /etc/hosts, apply the resolv.conf search list, or know `localhost`; those
// three are done here (RFC 6761 for `localhost`). What is lost against getaddrinfo: other NSS
// sources (mDNS `.local`, LDAP, nss-myhostname).
//
// Tests inject a LookupFunction instead (never answering, slow, answering some names only); it
// is called once with `{ all: true }` and is bounded by the same deadline.

import dns, { type LookupAddress } from 'node:dns';
import { readFile, stat } from 'node:fs/promises';
import net, { type LookupFunction } from 'node:net';

export interface ResolveOptions {
  /** Deadline for the whole look-up, ms. */
  timeoutMs: number;
  /** The budget its timeout message names (default timeoutMs). */
  reportedMs?: number;
  /** Injected resolver (tests); the hosts file + c-ares path otherwise. */
  lookup?: LookupFunction;
  /** Aborting ends the look-up at once (the capture aborts when its own deadline passes). */
  signal?: AbortSignal;
  /** Files read by the default path; tests point them elsewhere. */
  hostsPath?: string;
  resolvConfPath?: string;
}

export type Resolved = { addresses: LookupAddress[] } | { error: string };

/** /etc/hosts and resolv.conf are small; a larger file is not read (the look-up goes to DNS). */
const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** RFC 8305 §3: once one address family answered, wait this long for the other, then go on. */
const RESOLUTION_DELAY_MS = 50;

/** Resolves `host` (IPv4 addresses first) or says why not; never rejects, never outlives timeoutMs. */
export function resolveHost(host: string, opts: ResolveOptions): Promise<Resolved> {
  const family = net.isIP(host);
  if (family) return Promise.resolve({ addresses: [{ address: host, family }] });
  const inner = new AbortController();
  return new Promise<Resolved>((resolve) => {
    let settled = false;
    const settle = (r: Resolved): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      inner.abort(); // cancels any c-ares query still running
      resolve(r);
    };
    const timer = setTimeout(() => settle({ error: `DNS lookup of ${host} did not finish within ${opts.reportedMs ?? opts.timeoutMs} ms` }), opts.timeoutMs);
    const onAbort = (): void => settle({ error: `DNS lookup of ${host} was abandoned` });
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const run = opts.lookup ? viaInjected(host, opts.lookup) : viaSystem(host, opts, inner.signal);
    run.then(settle, (e: unknown) => settle({ error: `cannot resolve ${host}: ${errorText(e)}` }));
  });
}

function viaInjected(host: string, lookup: LookupFunction): Promise<Resolved> {
  return new Promise((resolve) => {
    // An injected resolver might call back twice or throw; only the first answer counts.
    lookup(host, { all: true }, (err, address, fam) => {
      if (err) return resolve({ error: `cannot resolve ${host}: ${dnsReason(err)}` });
      const list: LookupAddress[] = typeof address === 'string' ? [{ address, family: fam ?? net.isIP(address) }] : address;
      resolve(list.length > 0 ? { addresses: list } : { error: `cannot resolve ${host}: no addresses` });
    });
  });
}

async function viaSystem(host: string, opts: ResolveOptions, signal: AbortSignal): Promise<Resolved> {
  const name = host.toLowerCase().replace(/\.$/, '');
  const hosts = await readHosts(opts.hostsPath ?? '/etc/hosts');
  const fromFile = hosts.get(name);
  if (fromFile) return { addresses: fromFile };
  // RFC 6761 §6.3: localhost and names under it are the loopback host, never sent to DNS.
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return { addresses: [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }] };
  }
  const conf = await readResolvConf(opts.resolvConfPath ?? '/etc/resolv.conf');
  const started = Date.now();
  let last: NodeJS.ErrnoException | undefined;
  for (const candidate of searchCandidates(host, conf)) {
    const budget = opts.timeoutMs - (Date.now() - started);
    if (signal.aborted || budget <= 0) break;
    const answer = await queryBoth(candidate, budget, signal);
    if (Array.isArray(answer)) return { addresses: answer };
    last = answer;
    // Only "no such name" moves on to the next search domain, as getaddrinfo does.
    if (answer.code !== 'ENOTFOUND' && answer.code !== 'ENODATA') break;
  }
  return { error: `cannot resolve ${host}: ${last ? dnsReason(last) : 'no addresses'}` };
}

/** A and AAAA for one name on a Resolver of its own; the addresses, or the error that says most. */
function queryBoth(name: string, budgetMs: number, signal: AbortSignal): Promise<LookupAddress[] | NodeJS.ErrnoException> {
  // Two tries (c-ares doubles the wait on the retry) fill about the budget; cancel() cuts it off.
  const resolver = new dns.promises.Resolver({ timeout: Math.max(50, Math.floor(budgetMs / 3)), tries: 2 });
  // The process-wide list: resolv.conf's servers unless the embedding program set others.
  const servers = dns.getServers();
  if (servers.length > 0) resolver.setServers(servers);
  return new Promise((resolve) => {
    const got: { v4: string[]; v6: string[] } = { v4: [], v6: [] };
    const errors: NodeJS.ErrnoException[] = [];
    let pending = 2;
    let delay: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(delay);
      signal.removeEventListener('abort', finish);
      resolver.cancel();
      const all = [...got.v4.map((address) => ({ address, family: 4 })), ...got.v6.map((address) => ({ address, family: 6 }))];
      resolve(all.length > 0 ? all : mostTelling(errors));
    };
    signal.addEventListener('abort', finish, { once: true });
    const ask = (query: Promise<string[]>, key: 'v4' | 'v6'): void => {
      query
        .then((a) => void (got[key] = a), (e: NodeJS.ErrnoException) => void errors.push(e))
        .finally(() => {
          if (--pending === 0) finish();
          else if (got[key].length > 0) delay ??= setTimeout(finish, RESOLUTION_DELAY_MS);
        });
    };
    ask(resolver.resolve4(name), 'v4');
    ask(resolver.resolve6(name), 'v6');
  });
}

/** A server problem (timeout, refused) says more than "no such name" from the other family. */
function mostTelling(errors: NodeJS.ErrnoException[]): NodeJS.ErrnoException {
  const notFound = (e: NodeJS.ErrnoException): boolean => e.code === 'ENOTFOUND' || e.code === 'ENODATA';
  return errors.find((e) => !notFound(e) && e.code !== 'ECANCELLED') ?? errors.find((e) => e.code === 'ENOTFOUND') ?? errors[0] ?? Object.assign(new Error('no addresses'), { code: 'ENODATA' });
}

interface ResolvConf {
  search: string[];
  ndots: number;
}

/** Names to try, in getaddrinfo's order: as given first when it has at least `ndots` dots. */
function searchCandidates(host: string, conf: ResolvConf): string[] {
  if (host.endsWith('.') || conf.search.length === 0) return [host];
  const suffixed = conf.search.map((d) => `${host}.${d}`);
  const dots = host.split('.').length - 1;
  return dots >= conf.ndots ? [host, ...suffixed] : [...suffixed, host];
}

const hostsCache = new Map<string, Promise<Map<string, LookupAddress[]>>>();

/** /etc/hosts as name → addresses (file order), read once per process; unreadable means empty. */
function readHosts(path: string): Promise<Map<string, LookupAddress[]>> {
  let cached = hostsCache.get(path);
  if (!cached) {
    cached = readSmallFile(path).then(parseHosts);
    hostsCache.set(path, cached);
  }
  return cached;
}

/** Strict: a line is an IP address then host names; anything else on a line makes it ignored. */
export function parseHosts(text: string): Map<string, LookupAddress[]> {
  const table = new Map<string, LookupAddress[]>();
  for (const raw of text.split('\n')) {
    const [address, ...names] = raw.replace(/#.*/, '').trim().split(/[ \t]+/);
    const family = address ? net.isIP(address) : 0;
    if (!family || names.length === 0 || !names.every(isHostName)) continue;
    for (const n of names) {
      const key = n.toLowerCase().replace(/\.$/, '');
      const list = table.get(key) ?? [];
      if (!list.some((a) => a.address === address)) list.push({ address, family });
      table.set(key, list);
    }
  }
  // getaddrinfo's order is not the file's; IPv4 first keeps `localhost` on 127.0.0.1 like Node's.
  for (const list of table.values()) list.sort((a, b) => a.family - b.family);
  return table;
}

function isHostName(s: string): boolean {
  return s.length <= 253 && /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/.test(s);
}

async function readResolvConf(path: string): Promise<ResolvConf> {
  const conf: ResolvConf = { search: [], ndots: 1 };
  for (const line of (await readSmallFile(path)).split('\n')) {
    const [key, ...values] = line.replace(/[#;].*/, '').trim().split(/[ \t]+/);
    // The last `search` or `domain` line wins, as in resolv.conf(5).
    if (key === 'search' || key === 'domain') conf.search = values.filter(isHostName).slice(0, 6);
    if (key === 'options') {
      const ndots = values.map((v) => /^ndots:([0-9]{1,2})$/.exec(v)).find(Boolean);
      if (ndots) conf.ndots = Math.min(15, Number(ndots[1]));
    }
  }
  return conf;
}

/** The text of a regular file no larger than MAX_CONFIG_FILE_BYTES, or '' (absent, odd, too big). */
async function readSmallFile(path: string): Promise<string> {
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size > MAX_CONFIG_FILE_BYTES) return '';
    const text = await readFile(path, 'utf8');
    return text.length > MAX_CONFIG_FILE_BYTES ? '' : text;
  } catch {
    return '';
  }
}

export function dnsReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOTFOUND':
      return 'no such host';
    case 'EAI_AGAIN':
      return 'temporary DNS failure';
    case 'ENODATA':
      return 'no address records';
    case 'ETIMEOUT':
      return 'the DNS servers did not answer';
    case 'ESERVFAIL':
      return 'the DNS server failed (SERVFAIL)';
    case 'EREFUSED':
    case 'ECONNREFUSED':
      return 'the DNS server refused the query';
    default:
      return err.code ?? err.message;
  }
}

function errorText(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string') return e.message;
  return String(e);
}
