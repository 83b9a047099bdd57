// Question 5, which certificates. Every probe that carries a chain adds it to the context's
// CertificateBook (with SNI, per version and authentication type, and TLS 1.3 ones from the
// signature-scheme handshakes); this module adds the ones served without SNI: one probe per
// authentication type the server accepted (so it waits for the suite lists), plus one offering
// every candidate; for a TLS 1.3-only server, one hand-built TLS 1.3 handshake per key type
// (handshake13.ts). The result is the book once all have run.

import { TLS13_SIGNATURE_SCHEMES } from './candidates.js';
import type { ScanContext } from './context.js';
import { handshake13 } from './handshake13.js';
import type { CertificateSeen, VersionScan } from './types.js';
import { probeBest12, type VersionsFound } from './versions.js';
import { suiteInfo, versionName } from '../registry/index.js';

const fromHex = (h: string): Buffer => Buffer.from(h, 'hex');

/** TLS ≤ 1.2 without SNI: once with every candidate, then once per authentication type accepted. */
async function noSni12(ctx: ScanContext, found: VersionsFound, best12: number, versions: readonly VersionScan[]): Promise<void> {
  const byAuth = new Map<string, number[]>();
  for (const s of versions.find((v) => v.version === best12)!.suites) {
    const auth = suiteInfo(s.code)?.auth ?? 'unknown';
    byAuth.set(auth, [...(byAuth.get(auth) ?? []), s.code]);
  }
  // Also every candidate at once: a server whose default certificate (no SNI) has a key
  // type the SNI one lacks would otherwise go unnoticed.
  const sets: Array<[string | undefined, number[]]> = [[undefined, found.candidates12], ...byAuth];
  await Promise.all(
    sets.map(([auth, suites]) =>
      probeBest12(ctx, found, [], { suites, sni: null }).then((r) => {
        const picked = r.flight.serverHello ? (suiteInfo(r.flight.serverHello.cipherSuite)?.auth ?? 'unknown') : undefined;
        const what = auth ?? picked;
        if (what) ctx.certificates.note(r.flight.certificates?.map(fromHex), `${versionName(best12)} ${what} suites, no SNI`);
      }),
    ),
  );
}

/** TLS 1.3 only, without SNI: one hand-built handshake per key type (a Node one when it cannot be read). */
async function noSni13(ctx: ScanContext): Promise<void> {
  const kinds = [
    ['ECDSA', ['ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384', 'ecdsa_secp521r1_sha512']],
    ['RSA', ['rsa_pss_rsae_sha256', 'rsa_pss_pss_sha256']],
  ] as const;
  await Promise.all(
    kinds.map(async ([kind, names]) => {
      const sigs = TLS13_SIGNATURE_SCHEMES.filter((s) => (names as readonly string[]).includes(s.openssl)).map((s) => s.code);
      const r = await handshake13(ctx, { sigs, sni: null });
      if (r.outcome === 'complete') return ctx.certificates.note(r.chain, `TLS 1.3 ${kind}, no SNI`);
      if (r.outcome === 'refused') return undefined;
      const node = await ctx.node13({ sigalgs: names.join(':'), servername: '', wantChain: true });
      return node.ok ? ctx.certificates.note(node.chain, `TLS 1.3 ${kind}, no SNI`) : undefined;
    }),
  );
}

/**
 * Adds the certificates served without SNI (only when the scan sends SNI) and resolves to every
 * certificate seen once `others` — the questions that also note certificates — have settled.
 */
export async function scanCertificates(ctx: ScanContext, found: VersionsFound, suites: Promise<VersionScan[]>, others: ReadonlyArray<Promise<unknown>>): Promise<CertificateSeen[]> {
  const best12 = found.best12;
  const own = !ctx.target.sni
    ? Promise.resolve()
    : best12 !== undefined
      ? ctx.step(suites.then((versions) => noSni12(ctx, found, best12, versions)))
      : found.has13
        ? ctx.step(noSni13(ctx))
        : Promise.resolve();
  await Promise.all([own, suites, ...others]);
  return ctx.certificates.list();
}
