// Target lists: command-line arguments plus `--targets FILE` (`-` reads stdin). A line is one
// target, `HOST[:PORT]` as the trace command takes it, then optional per-target settings as
// KEY=VALUE words separated by spaces; `#` starts a comment, blank lines are ignored:
//
//   mail.example.com:25  starttls=smtp  warn-days=14
//   www.example.com      address=10.0.0.7 sni=www.example.com
//   intranet.test:8443   proxy=none cert=client.pem key=client.key
//
// Parsing is strict: an unknown or repeated key, a bad value, a line that is not a target is a
// usage error naming the file and line ("targets.txt:12: unknown key 'wran-days'").

import net from 'node:net';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { MAX_TARGETS_FILE_BYTES } from '../limits.js';
import { loadClientCert } from './client-cert.js';
import { CHECK_IP_SNI_HINT, parseSni, parseWholeNumber } from './options.js';
import { parseProxyUrl } from './proxy-env.js';
import { readInputText, type StdinSource } from './read-file.js';
import { parseTarget } from './target.js';
import type { CheckTarget, CheckTargetSettings } from '../check/types.js';
import { STARTTLS_PROTOCOL_NAMES, isStarttlsProtocol, type StarttlsProtocol } from '../capture/starttls/index.js';

/** starttls= takes what --starttls takes. */
const STARTTLS_CHOICES = [...STARTTLS_PROTOCOL_NAMES, 'none'] as const;

const KEYS = ['sni', 'address', 'starttls', 'warn-days', 'proxy', 'cert', 'key', 'pass'] as const;
type Key = (typeof KEYS)[number];
/** Other spellings accepted for a key. */
const ALIASES: Record<string, Key> = { resolve: 'address', servername: 'sni' };

export function toCheckTarget(input: string): CheckTarget {
  const t = parseTarget(input);
  return { input, host: t.host, port: t.port, display: t.display };
}

/** Lines of a targets file, without comments and blanks; `where` names the file in errors, `dir` resolves cert/key paths. */
export function parseTargetsText(text: string, where: string, dir = '.'): CheckTarget[] {
  const out: CheckTarget[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const s = line.replace(/(^|\s)#.*$/, '').trim();
    if (!s) return;
    try {
      out.push(parseTargetLine(s, dir));
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(`${where}:${i + 1}: ${e.message}`, e.hint);
      throw e;
    }
  });
  return out;
}

/** One line: the target, then KEY=VALUE words. */
function parseTargetLine(line: string, dir: string): CheckTarget {
  const [first, ...words] = line.split(/\s+/);
  const target = toCheckTarget(first);
  const values = new Map<Key, string>();
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new UsageError(`"${word}" is not KEY=VALUE`, `after the target, give settings such as warn-days=14; keys: ${KEYS.join(', ')}`);
    const name = word.slice(0, eq).toLowerCase();
    const key = ALIASES[name] ?? (KEYS as readonly string[]).find((k) => k === name);
    if (key === undefined) throw new UsageError(`unknown key '${word.slice(0, eq)}'`, `keys: ${KEYS.join(', ')}`);
    if (values.has(key as Key)) throw new UsageError(`${key} is given twice`);
    values.set(key as Key, word.slice(eq + 1));
  }
  const settings = targetSettings(values, dir);
  const starttls = values.get('starttls');
  return { ...target, ...(Object.keys(settings).length > 0 ? { settings } : {}), ...(starttls !== undefined ? { starttls: parseStarttls(starttls) } : {}) };
}

function targetSettings(values: Map<Key, string>, dir: string): CheckTargetSettings {
  const out: CheckTargetSettings = {};
  const sni = values.get('sni');
  if (sni !== undefined) {
    // Named as the key the line gave (sni=), not as the command-line option it shares a parser with.
    if (sni === '') throw new UsageError('sni= has no value', 'e.g. sni=www.example.com');
    try {
      out.servername = parseSni({ servername: sni }, CHECK_IP_SNI_HINT) || undefined;
    } catch (e) {
      throw e instanceof UsageError ? new UsageError(e.message.replace(/^--servername /, 'sni='), e.hint) : e;
    }
  }
  const address = values.get('address');
  if (address !== undefined) out.addresses = parseAddresses(address);
  const warn = values.get('warn-days');
  if (warn !== undefined) out.warnDays = parseWholeNumber(warn, 'warn-days', { fallback: 0, min: 0, max: 36500 });
  const proxy = values.get('proxy');
  if (proxy !== undefined) out.proxy = proxy === 'none' || proxy === '' ? null : parseProxyUrl(proxy, `proxy=${proxy}`);
  const cert = values.get('cert');
  const key = values.get('key');
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('cert= and key= go together');
  if (cert !== undefined && key !== undefined) {
    out.clientCert = loadClientCert(path.resolve(dir, cert), path.resolve(dir, key), values.get('pass'), { cert: 'cert=', key: 'key=' });
  } else if (values.has('pass')) throw new UsageError('pass= is the passphrase of key=; give cert= and key= too');
  return out;
}

function parseAddresses(text: string): string[] {
  const list = text.split(',').map((a) => a.replace(/^\[(.*)\]$/, '$1'));
  for (const a of list) if (!net.isIP(a)) throw new UsageError(`address=${text}: "${a}" is not an IP address`, 'e.g. address=10.0.0.7 or address=[2001:db8::7],10.0.0.7');
  return list;
}

function parseStarttls(text: string): StarttlsProtocol | 'none' {
  const proto = text.toLowerCase();
  if (proto === 'none' || isStarttlsProtocol(proto)) return proto;
  throw new UsageError(`starttls=${text}: unknown protocol`, `one of ${STARTTLS_CHOICES.join(', ')}`);
}

/** The targets in FILE (or stdin for `-`), read through the CLI's capped regular-file reader. */
export async function readTargetsFile(file: string, stdin?: StdinSource): Promise<CheckTarget[]> {
  const text = await readInputText(file, { what: '--targets', maxBytes: MAX_TARGETS_FILE_BYTES }, stdin);
  const where = file === '-' ? 'stdin' : file;
  const targets = parseTargetsText(text, where, file === '-' ? '.' : path.dirname(file));
  if (targets.length === 0) throw new UsageError(`--targets ${where} lists no targets`, 'one HOST[:PORT] per line, optionally followed by KEY=VALUE settings; # starts a comment');
  return targets;
}
