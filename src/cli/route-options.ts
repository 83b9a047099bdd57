// `--proxy`, `--noproxy`, `--resolve`, `--connect-to`, `-4`/`-6` for trace, check and scan: parsed
// once into RouteRules (every mistake a usage error before any connection), then matched to each
// target as curl matches them, giving the capture layer's RouteOptions.

import net from 'node:net';
import { Option, type Command } from 'commander';
import type { ProxySettings } from '../capture/proxy.js';
import type { RouteOptions } from '../capture/route.js';
import { UsageError } from '../errors.js';
import { bypassesProxy, noProxyList, proxyFromEnv } from './proxy-env.js';
import { parsePort, toAsciiHost } from './target.js';

export interface RouteFlags {
  proxy?: string;
  noproxy?: string;
  resolve?: string[];
  connectTo?: string[];
  ipv4?: boolean;
  ipv6?: boolean;
}

interface ResolveRule {
  /** Lower-case host, or '*' for any. */
  host: string;
  port: number;
  addresses: string[];
}

interface ConnectToRule {
  /** Undefined: any host / any port (an empty field). */
  host?: string;
  port?: number;
  /** Undefined: the same host / port. */
  toHost?: string;
  toPort?: number;
}

export interface RouteRules {
  proxy?: ProxySettings;
  noProxy: string;
  resolve: ResolveRule[];
  connectTo: ConnectToRule[];
  family?: 4 | 6;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Declares the route options on a command. */
export function addRouteOptions(cmd: Command): Command {
  return cmd
    .option('--proxy <url>', 'tunnel through this http:// proxy (HTTP CONNECT; user:pass@ for Basic auth); "" connects directly (default: https_proxy / HTTPS_PROXY)')
    .option('--noproxy <list>', 'hosts that bypass the proxy, comma-separated (default: no_proxy / NO_PROXY)')
    .option('--resolve <host:port:addr>', 'use ADDR (comma list; IPv6 in brackets) for HOST:PORT instead of DNS; repeatable', collect)
    .option('--connect-to <host1:port1:host2:port2>', 'connect to HOST2:PORT2 when the target is HOST1:PORT1 (empty fields: any / same); repeatable', collect)
    .addOption(new Option('-4, --ipv4', 'connect over IPv4 only').conflicts('ipv6'))
    .addOption(new Option('-6, --ipv6', 'connect over IPv6 only'));
}

export function parseRouteRules(flags: RouteFlags, env: Readonly<Record<string, string | undefined>>): RouteRules {
  const rules: RouteRules = {
    noProxy: noProxyList(flags.noproxy, env),
    resolve: (flags.resolve ?? []).map(parseResolveRule),
    connectTo: (flags.connectTo ?? []).map(parseConnectToRule),
  };
  const proxy = proxyFromEnv(flags.proxy, env);
  if (proxy) rules.proxy = proxy;
  if (flags.ipv4) rules.family = 4;
  if (flags.ipv6) rules.family = 6;
  return rules;
}

/** Splits `[v6]:rest` or `name:rest` into the host and what follows its colon. */
function hostField(text: string, whole: string, flag: string): { host: string; rest: string } {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end === -1 || text[end + 1] !== ':') throw new UsageError(`bad ${flag} "${whole}": unbalanced brackets`);
    return { host: text.slice(1, end), rest: text.slice(end + 2) };
  }
  const colon = text.indexOf(':');
  if (colon === -1) throw new UsageError(`bad ${flag} "${whole}": missing ":"`);
  return { host: text.slice(0, colon), rest: text.slice(colon + 1) };
}

function normalHost(host: string, whole: string, flag: string): string {
  if (net.isIP(host)) return host.toLowerCase();
  const ascii = toAsciiHost(host);
  if (ascii === undefined) throw new UsageError(`bad ${flag} "${whole}": "${host}" is not a host name or address`);
  return ascii.replace(/\.$/, '');
}

/** `HOST:PORT:ADDR[,ADDR…]`, HOST `*` for any; addresses may be IPv6 in brackets. */
export function parseResolveRule(text: string): ResolveRule {
  const hint = 'e.g. --resolve example.com:443:127.0.0.1 or --resolve example.com:443:[::1]';
  if (text.startsWith('-') || text.startsWith('+')) throw new UsageError(`bad --resolve "${text}": the +/- forms of curl are not supported`, hint);
  const { host, rest } = hostField(text, text, '--resolve');
  const colon = rest.indexOf(':');
  if (colon === -1) throw new UsageError(`bad --resolve "${text}": give HOST:PORT:ADDRESS`, hint);
  const port = parsePort(rest.slice(0, colon), text);
  const addresses = rest
    .slice(colon + 1)
    .split(',')
    .map((a) => a.trim().replace(/^\[(.*)\]$/, '$1'));
  for (const a of addresses) if (!net.isIP(a)) throw new UsageError(`bad --resolve "${text}": "${a}" is not an IP address`, hint);
  return { host: host === '*' ? '*' : normalHost(host, text, '--resolve'), port, addresses };
}

/** `HOST1:PORT1:HOST2:PORT2`, any field may be empty. */
export function parseConnectToRule(text: string): ConnectToRule {
  const first = hostField(text, text, '--connect-to');
  const p1 = first.rest.indexOf(':');
  if (p1 === -1) throw new UsageError(`bad --connect-to "${text}": give HOST1:PORT1:HOST2:PORT2 (fields may be empty)`, 'e.g. --connect-to example.com:443:127.0.0.1:8443');
  const second = first.rest.slice(p1 + 1);
  const to = second.startsWith('[') || second.includes(':') ? hostField(second, text, '--connect-to') : { host: second, rest: '' };
  const rule: ConnectToRule = {};
  if (first.host !== '') rule.host = normalHost(first.host, text, '--connect-to');
  if (first.rest.slice(0, p1) !== '') rule.port = parsePort(first.rest.slice(0, p1), text);
  if (to.host !== '') rule.toHost = normalHost(to.host, text, '--connect-to');
  if (to.rest !== '') rule.toPort = parsePort(to.rest, text);
  return rule;
}

/** The route for one target: the first matching --connect-to, the proxy unless bypassed, the matching --resolve. */
export function routeFor(rules: RouteRules, host: string, port: number): RouteOptions {
  const route: RouteOptions = {};
  const name = host.toLowerCase();
  const hop = rules.connectTo.find((r) => (r.host === undefined || r.host === name) && (r.port === undefined || r.port === port));
  if (hop && (hop.toHost !== undefined || hop.toPort !== undefined)) route.connectTo = { host: hop.toHost ?? host, port: hop.toPort ?? port };
  if (rules.proxy && !bypassesProxy(rules.noProxy, host, port)) route.proxy = rules.proxy;
  // --resolve pins the name looked up here: the proxy's, else where --connect-to points, else the target's.
  const dial = route.proxy ?? route.connectTo ?? { host, port };
  const pin = rules.resolve.find((r) => (r.host === '*' || r.host === dial.host.toLowerCase()) && r.port === dial.port);
  if (pin && !net.isIP(dial.host)) route.pinnedAddresses = [...pin.addresses];
  if (rules.family) route.family = rules.family;
  return route;
}
