// Parses what the user typed as a target: HOST, HOST:PORT, [IPv6]:PORT, a bare IPv6 literal, or
// an internationalised name (converted to punycode for DNS and SNI, shown both ways).

import net from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { UsageError } from '../errors.js';

export const DEFAULT_PORT = 443;

export interface Target {
  /** Host to resolve and (unless an IP literal) send as SNI: ASCII, punycode for IDNs. */
  host: string;
  port: number;
  /** 4 or 6 for IP literals, 0 for names. */
  ipFamily: 0 | 4 | 6;
  /** Unicode form when the user typed (or the punycode decodes to) an internationalised name. */
  unicodeHost?: string;
  /** `host:port` as shown to the user (brackets for IPv6, both forms for IDNs). */
  display: string;
}

const FORMS = 'HOST, HOST:PORT, [IPv6]:PORT or a bare IPv6 address';

/** Parses a port: digits only, 1–65535. */
export function parsePort(text: string, context: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(`bad port "${text}" in "${context}": a port is a number from 1 to 65535`);
  }
  return Number(text);
}

export function parseTarget(input: string, defaultPort = DEFAULT_PORT): Target {
  const text = input.trim();
  if (text === '') throw new UsageError('empty target', `give ${FORMS}`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new UsageError(`"${input}" is a URL, not a target`, `give the host and port only, e.g. ${urlHint(text)}`);
  }
  if (/[\s/?#@]/.test(text)) throw new UsageError(`"${input}" is not a host name or address`, `give ${FORMS}`);

  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
    if (!m) throw new UsageError(`"${input}": unbalanced brackets or text after "]"`, 'write IPv6 targets as [::1]:8443');
    host = m[1];
    portText = m[2];
    if (!net.isIPv6(host)) throw new UsageError(`"${host}" in brackets is not an IPv6 address`);
    if (portText === '') throw new UsageError(`"${input}": missing port after ":"`);
  } else {
    const colons = text.split(':').length - 1;
    if (colons >= 2) {
      if (net.isIPv6(text)) return ipTarget(text, defaultPort, 6);
      throw new UsageError(
        `"${input}" has too many ":" for HOST:PORT and is not an IPv6 address`,
        'write IPv6 addresses with a port in brackets, e.g. [::1]:8443',
      );
    }
    if (colons === 1) {
      const i = text.indexOf(':');
      host = text.slice(0, i);
      portText = text.slice(i + 1);
      if (portText === '') throw new UsageError(`"${input}": missing port after ":"`);
    } else host = text;
  }
  const port = portText === undefined ? defaultPort : parsePort(portText, input);
  if (host === '') throw new UsageError(`"${input}": missing host`, `give ${FORMS}`);
  const family = net.isIP(host);
  if (family === 4 || family === 6) return ipTarget(host, port, family);
  return nameTarget(host, port);
}

function ipTarget(host: string, port: number, family: 4 | 6): Target {
  return { host, port, ipFamily: family, display: family === 6 ? `[${host}]:${port}` : `${host}:${port}` };
}

/** Validates a DNS name (after IDNA conversion) by the usual hostname rules. */
function nameTarget(host: string, port: number): Target {
  const ascii = toAsciiHost(host);
  if (ascii === undefined) throw new UsageError(`"${host}" is not a valid host name`, `give ${FORMS}`);
  const unicode = domainToUnicode(ascii);
  const idn = unicode !== ascii;
  const display = idn ? `${unicode} (${ascii}):${port}` : `${ascii}:${port}`;
  return { host: ascii, port, ipFamily: 0, ...(idn ? { unicodeHost: unicode } : {}), display };
}

/**
 * IDNA (UTS #46) conversion through the WHATWG URL host parser, then RFC 1123 checks: labels of
 * 1–63 letters, digits and hyphens (underscores tolerated, as real DNS has them), no leading or
 * trailing hyphen, at most 253 characters. Returns undefined when the name is not usable.
 */
export function toAsciiHost(host: string): string | undefined {
  if (/^[0-9.]+$/.test(host)) return undefined; // looks like IPv4 but is not a valid one
  const ascii = domainToASCII(host);
  if (ascii === '') return undefined;
  const name = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  if (name.length === 0 || name.length > 253) return undefined;
  for (const label of name.split('.')) {
    if (label.length === 0 || label.length > 63) return undefined;
    if (!/^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/.test(label)) return undefined;
  }
  return ascii;
}

function urlHint(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : '');
    return port ? `${u.hostname}:${port}` : u.hostname;
  } catch {
    return 'example.com:443';
  }
}
