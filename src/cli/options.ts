// The trace options: how they are declared on the commander program and how the raw strings turn
// into validated CaptureOptions. Every bad value is a UsageError with a hint, found before any
// connection is made.

import net from 'node:net';
import tls from 'node:tls';
import { Option, type Command } from 'commander';
import type { CaptureOptions, TlsVersionName } from '../capture/capture.js';
import type { RevocationMode } from '../analyse/chain/types.js';
import { UsageError } from '../errors.js';
import { clientCertFromFlags } from './client-cert.js';
import { STARTTLS_PROTOCOL_NAMES, isStarttlsProtocol, starttlsForPort, type StarttlsProtocol } from '../capture/starttls/index.js';
import { toAsciiHost } from './target.js';

/** Default deadline, and the most any --timeout may ask for (src/limits.ts). */
import { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS } from '../limits.js';
export { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS };

const VERSIONS: readonly TlsVersionName[] = ['1.0', '1.1', '1.2', '1.3'];

/** Raw option values as commander hands them over (camel-cased flag names). */
export interface TraceFlags {
  servername?: string;
  /** trace's --revocation (off by default). */
  revocation?: string;
  sni?: boolean;
  tlsMin?: string;
  tlsMax?: string;
  ciphers?: string;
  groups?: string;
  alpn?: string;
  ocsp?: boolean;
  cert?: string;
  key?: string;
  pass?: string;
  timeout?: string;
  color?: boolean;
  /** `--no-ladder` sets false. */
  ladder?: boolean;
  ascii?: boolean;
  json?: boolean;
  hex?: boolean;
  save?: string;
  pcap?: string;
  demo?: boolean;
  keylog?: string;
  showSecrets?: boolean;
  html?: string;
  starttls?: string;
  xmppHost?: string;
  packets?: boolean;
}

/** The connection-shaping options, without host/port (those come from the target). */
export type ClientSettings = Omit<CaptureOptions, 'host' | 'port' | 'lookup'>;

/** Declares the handshake options on a command (trace; other commands may reuse them). */
export function addClientOptions(cmd: Command): Command {
  return cmd
    .option('--servername <name>', 'server name (SNI) to send instead of the target host')
    .option('--no-sni', 'send no server name at all')
    .addOption(new Option('--tls-min <version>', 'lowest TLS version to offer').choices(VERSIONS))
    .addOption(new Option('--tls-max <version>', 'highest TLS version to offer').choices(VERSIONS))
    .option('--ciphers <list>', 'OpenSSL cipher list; TLS 1.3 suites (TLS_AES_128_GCM_SHA256…) may be included')
    .option('--groups <list>', 'key exchange groups to offer, colon-separated (X25519:P-256)')
    .option('--alpn <list>', 'ALPN protocols to offer, comma-separated (h2,http/1.1)')
    .option('--no-ocsp', 'do not ask for a stapled OCSP response')
    .option('--cert <file>', 'client certificate (PEM) to present if the server asks')
    .option('--key <file>', 'private key (PEM) for --cert')
    .option('--pass <phrase>', 'passphrase of an encrypted --key')
    .option('--timeout <ms>', `deadline for DNS, connect and handshake together (default ${DEFAULT_TIMEOUT_MS})`)
    .addOption(starttlsOption())
    .option('--xmpp-host <name>', 'XMPP domain for the stream header (default: the target host)');
}

/** `--starttls PROTO`, shared by trace, check and scan. */
export function starttlsOption(): Option {
  return new Option('--starttls <protocol>', 'speak this protocol in plaintext up to its STARTTLS first (default: from the port, e.g. 25 smtp, 5432 postgres); none turns that off').choices([
    ...STARTTLS_PROTOCOL_NAMES,
    'none',
  ]);
}

/** What the STARTTLS flags ask for at one port: the protocol (explicit, or the port's), and the XMPP domain. */
export function starttlsSettings(flags: { starttls?: string; xmppHost?: string }, port: number): { starttls?: StarttlsProtocol; xmppHost?: string } {
  const chosen = flags.starttls === undefined ? starttlsForPort(port) : flags.starttls;
  const protocol = chosen !== undefined && isStarttlsProtocol(chosen) ? chosen : undefined;
  if (flags.xmppHost !== undefined && protocol !== 'xmpp' && protocol !== 'xmpp-server') {
    throw new UsageError('--xmpp-host needs --starttls xmpp or xmpp-server (or port 5222/5269)');
  }
  return { ...(protocol ? { starttls: protocol } : {}), ...(flags.xmppHost !== undefined ? { xmppHost: parseXmppHost(flags.xmppHost) } : {}) };
}

/** `--xmpp-host NAME`: a domain name, as its A-label form. */
export function parseXmppHost(text: string): string {
  const ascii = net.isIP(text) ? undefined : toAsciiHost(text);
  if (ascii === undefined) throw new UsageError(`--xmpp-host "${text}" is not a valid domain name`);
  return ascii;
}

/**
 * The CLI's one integer-option parser: digits only (no sign, exponent or fraction), within
 * [min, max], `fallback` when the flag is absent; anything else is a usage error naming the flag.
 */
export function parseWholeNumber(
  text: string | undefined,
  flag: string,
  range: { fallback: number; min: number; max: number; what?: string; hint?: string },
): number {
  if (text === undefined) return range.fallback;
  const { min, max } = range;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`bad ${flag} "${text}": give ${range.what ?? 'a whole number'} from ${min} to ${max}`, range.hint);
  }
  return Number(text);
}

const REVOCATION_MODES = ['off', 'soft', 'hard'] as const;

/** --revocation (check and trace): off, soft or hard; `fallback` when not given. */
export function parseRevocationMode(value: string | undefined, fallback: RevocationMode): RevocationMode {
  if (value === undefined) return fallback;
  const mode = REVOCATION_MODES.find((m) => m === value);
  if (!mode) throw new UsageError(`--revocation must be off, soft or hard, not "${value}"`);
  return mode;
}

export function parseTimeout(text: string | undefined): number {
  return parseWholeNumber(text, '--timeout', { fallback: DEFAULT_TIMEOUT_MS, min: 1, max: MAX_TIMEOUT_MS, what: 'milliseconds', hint: 'e.g. --timeout 5000' });
}

export function parseAlpn(text: string): string[] {
  const list = text.split(',').map((s) => s.trim());
  for (const p of list) {
    // RFC 7301: each protocol name is 1–255 bytes; we also refuse control characters.
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    if (p.length === 0 || Buffer.byteLength(p) > 255 || /[\x00-\x1f\x7f]/.test(p)) {
      throw new UsageError(`bad --alpn "${text}": each protocol is 1–255 printable bytes`, 'e.g. --alpn h2,http/1.1');
    }
  }
  return list;
}

function versionRank(v: TlsVersionName): number {
  return VERSIONS.indexOf(v);
}

/**
 * `--servername NAME` / `--no-sni`, validated the same way for trace, check and scan: the two
 * contradict each other, an IP address is not a server name (RFC 6066 §3), and an IDN becomes its
 * A-label form. Undefined means "the default" (the target's host name, none for an IP target).
 */
/** check has no --no-sni: an IP target there sends none and is checked against the iPAddress SANs. */
export const CHECK_IP_SNI_HINT = 'SNI carries host names only (RFC 6066); to check a certificate for an IP address, make the IP the target: it sends no SNI and is checked against the certificate\'s IP addresses';

export function parseSni(flags: { servername?: string; sni?: boolean }, ipHint = 'SNI carries host names only (RFC 6066); use --no-sni to send none'): string | false | undefined {
  if (flags.sni === false) {
    if (flags.servername !== undefined) throw new UsageError('--servername and --no-sni contradict each other');
    return false;
  }
  if (flags.servername === undefined) return undefined;
  if (net.isIP(flags.servername)) {
    throw new UsageError(`--servername ${flags.servername} is an IP address`, ipHint);
  }
  const ascii = toAsciiHost(flags.servername);
  if (ascii === undefined) throw new UsageError(`--servername "${flags.servername}" is not a valid host name`);
  return ascii;
}

/** Validates the client flags and builds the capture settings. */
export function clientSettings(flags: TraceFlags): ClientSettings {
  const out: ClientSettings = { timeoutMs: parseTimeout(flags.timeout) };
  const min = flags.tlsMin as TlsVersionName | undefined;
  const max = flags.tlsMax as TlsVersionName | undefined;
  if (min && max && versionRank(min) > versionRank(max)) {
    throw new UsageError(`--tls-min ${min} is above --tls-max ${max}`, 'the minimum version must not exceed the maximum');
  }
  if (min) out.minVersion = min;
  if (max) out.maxVersion = max;

  const servername = parseSni(flags);
  if (servername !== undefined) out.servername = servername;

  let ciphers = flags.ciphers;
  if (ciphers !== undefined) {
    if (ciphers.trim() === '') throw new UsageError('--ciphers is empty');
    tryContext({ ciphers }, `--ciphers "${ciphers}" names no cipher suite OpenSSL knows`, 'see `openssl ciphers -v` for names');
  }
  // OpenSSL 3 allows TLS 1.0/1.1 only at security level 0 (they sign with SHA-1/MD5); asking for
  // them explicitly is the user's choice, so lower the level rather than fail mysteriously.
  const oldVersions = (min && versionRank(min) < versionRank('1.2')) || (max && versionRank(max) < versionRank('1.2'));
  if (oldVersions && !(ciphers ?? '').includes('@SECLEVEL')) ciphers = `${ciphers ?? tls.DEFAULT_CIPHERS}:@SECLEVEL=0`;
  if (ciphers !== undefined) out.ciphers = ciphers;

  if (flags.groups !== undefined) {
    tryContext({ ecdhCurve: flags.groups }, `--groups "${flags.groups}" names a group OpenSSL does not know`, 'e.g. --groups X25519:P-256:P-384');
    out.groups = flags.groups;
  }
  if (flags.alpn !== undefined) out.alpn = parseAlpn(flags.alpn);
  out.requestOcsp = flags.ocsp !== false;

  const clientCert = clientCertFromFlags(flags);
  if (clientCert) out.clientCert = clientCert;
  return out;
}

function tryContext(options: tls.SecureContextOptions, message: string, hint?: string): void {
  try {
    tls.createSecureContext(options);
  } catch {
    throw new UsageError(message, hint);
  }
}
