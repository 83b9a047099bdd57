// `openssl s_client -starttls PROTO` as the independent reference for STARTTLS tests: the version,
// cipher suite (OpenSSL's name) and the chain the server sent, parsed from its -brief and
// -showcerts output.

import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';

export interface SClientFacts {
  /** `TLSv1.3` */
  protocol?: string;
  /** OpenSSL's name: `TLS_AES_256_GCM_SHA384`, `ECDHE-RSA-AES256-GCM-SHA384`. */
  cipher?: string;
  /** SHA-256 fingerprints of the sent chain, leaf first, lower-case hex without colons. */
  chain: string[];
  text: string;
}

const PEM_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** `AB:CD:…` → `abcd…`, the form tls-trace's JSON writes. */
export function plainFingerprint(fp: string): string {
  return fp.replace(/:/g, '').toLowerCase();
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('openssl', args, { timeout: 20_000, killSignal: 'SIGKILL', env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      resolve(`${stdout}${stderr}${err ? `\n[exit: ${err.message}]` : ''}`);
    });
    child.stdin?.end();
  });
}

export async function sClientFacts(proto: string, host: string, port: number, extra: string[] = []): Promise<SClientFacts> {
  const base = ['s_client', '-starttls', proto, '-connect', `${host}:${port}`, ...extra];
  const brief = await run([...base, '-brief']);
  const shown = await run([...base, '-showcerts']);
  const chain = (shown.match(PEM_RE) ?? []).map((pem) => plainFingerprint(new X509Certificate(pem).fingerprint256));
  const protocol = /^Protocol version: (\S+)$/m.exec(brief)?.[1];
  const cipher = /^Ciphersuite: (\S+)$/m.exec(brief)?.[1];
  return { ...(protocol ? { protocol } : {}), ...(cipher ? { cipher } : {}), chain, text: brief };
}

/** `TLSv1.3` → `TLS 1.3`, as tls-trace names versions. */
export function versionName(openssl: string | undefined): string | undefined {
  const m = /^TLSv(1(?:\.[0-3])?)$/.exec(openssl ?? '');
  return m ? `TLS ${m[1] === '1' ? '1.0' : m[1]}` : undefined;
}
