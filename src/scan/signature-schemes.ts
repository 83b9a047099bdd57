// Question 4, which signature schemes. TLS 1.2: the scheme of the ServerKeyExchange, by
// elimination over the offered signature_algorithms with only signed (EC)DHE suites offered.
// TLS 1.3 encrypts the CertificateVerify: hand-built handshakes (handshake13.ts) read it, by
// elimination over every TLS 1.3 scheme — whether this Node's OpenSSL knows the name or not — and
// each answer's signature is verified with the leaf's key, so the server can sign with it. Only
// when those handshakes cannot be read (a HelloRetryRequest for a group we cannot make a share
// for, a record that does not open) are full Node handshakes asked, as before: first one per key
// family, then scheme by scheme in the families the server can sign with.

import { nodeKnowsSigalg } from '../capture/node-handshake.js';
import { signatureSchemeCandidates, suiteCandidates, TLS13_SIGNATURE_SCHEMES } from './candidates.js';
import type { ScanContext } from './context.js';
import { eliminate } from './elimination.js';
import { handshake13 } from './handshake13.js';
import { pickedSuite } from './hello.js';
import type { VersionsFound } from './versions.js';
import { label, signatureSchemes, suiteInfo, Version } from '../registry/index.js';

export interface SignatureSchemesResult {
  /** From the ServerKeyExchange, in server preference order. */
  tls12: number[] | null;
  /** From the CertificateVerify (or Node handshakes with `sigalgs` restricted), in our candidate order. */
  tls13: number[] | null;
  /** How tls13 was found: hand-built handshakes, or Node's when those could not be read. */
  tls13Method?: 'certificate-verify' | 'node-sigalgs';
}

function sigs12(ctx: ScanContext, signed: readonly number[]): Promise<number[]> {
  return eliminate(signatureSchemeCandidates(), async (remaining) => {
    const r = await ctx.chainProbe({ version: Version.TLS12, suites: signed, sigs: remaining, sni: ctx.target.sni }, { fullFlight: true });
    return pickedSuite(r, Version.TLS12) !== undefined ? r.flight.keyExchange?.signatureScheme : undefined;
  });
}

/** TLS 1.3 by elimination over hand-built handshakes; undefined when they cannot be read (ask Node). */
async function sigs13(ctx: ScanContext): Promise<number[] | undefined> {
  const all = TLS13_SIGNATURE_SCHEMES.map((s) => s.code);
  let unreadable = false;
  const found = await eliminate(all, async (remaining) => {
    const r = await handshake13(ctx, { sigs: remaining, priority: 'chain' });
    if (r.outcome === 'complete') {
      ctx.certificates.note(r.chain, `TLS 1.3, ${ctx.sniLabel}`);
      const scheme = r.signatureScheme;
      if (scheme !== undefined && !remaining.includes(scheme)) {
        // RFC 8446 §4.4.3 requires a scheme the client offered; OpenSSL would abort here.
        ctx.notes.push(`TLS 1.3: the server signed its CertificateVerify with ${label(signatureSchemes, scheme)}, which the ClientHello did not offer (it offered ${remaining.length} schemes)`);
      }
      return scheme;
    }
    // A refusal of the first round, which offers every scheme, says nothing about the schemes of a
    // server that has TLS 1.3: it refused something else in our hello (a suite we cannot open, a
    // group), so the round is unreadable rather than "no schemes".
    if (remaining.length === all.length) unreadable = true;
    else if (r.outcome === 'refused') return undefined;
    else ctx.notes.push(`TLS 1.3 signature schemes: the search stopped at a handshake that could not be read (${r.detail}); the list may be incomplete`);
    return undefined;
  });
  if (unreadable) return undefined;
  const ok = new Set(found);
  return all.filter((c) => ok.has(c));
}

/** TLS 1.3 through Node: limited to the scheme names this OpenSSL knows. */
async function sigs13Node(ctx: ScanContext): Promise<number[]> {
  const usable = TLS13_SIGNATURE_SCHEMES.filter((s) => nodeKnowsSigalg(s.openssl));
  const families = [...new Set(usable.map((s) => s.family))];
  const found = await Promise.all(
    families.map(async (family) => {
      const members = usable.filter((s) => s.family === family);
      const any = await ctx.node13({ sigalgs: members.map((s) => s.openssl).join(':'), wantChain: true });
      if (!any.ok) return [];
      ctx.certificates.note(any.chain, `TLS 1.3, ${ctx.sniLabel}`);
      if (members.length === 1) return [members[0].code];
      const each = await Promise.all(members.map(async (s) => ((await ctx.node13({ sigalgs: s.openssl })).ok ? s.code : undefined)));
      return each.filter((c): c is number => c !== undefined);
    }),
  );
  const ok = new Set(found.flat());
  return usable.filter((s) => ok.has(s.code)).map((s) => s.code);
}

async function sigs13Either(ctx: ScanContext): Promise<{ schemes: number[]; method: NonNullable<SignatureSchemesResult['tls13Method']> }> {
  const read = await sigs13(ctx);
  return read ? { schemes: read, method: 'certificate-verify' } : { schemes: await sigs13Node(ctx), method: 'node-sigalgs' };
}

export function scanSignatureSchemes(ctx: ScanContext, found: VersionsFound): Promise<SignatureSchemesResult> {
  const signed12 = (found.supported.includes(Version.TLS12) ? suiteCandidates(Version.TLS12) : []).filter((c) => {
    const i = suiteInfo(c);
    return i && /^(EC)?DHE/.test(i.kx.toUpperCase()) && !['anon', 'NULL', 'PSK'].includes(i.auth);
  });
  const tls12 = signed12.length > 0 ? ctx.step(sigs12(ctx, signed12)) : Promise.resolve(null);
  const tls13 = found.has13 ? ctx.step(sigs13Either(ctx)) : Promise.resolve(null);
  return Promise.all([tls12, tls13]).then(([a, b]) => ({ tls12: a, tls13: b?.schemes ?? null, ...(b ? { tls13Method: b.method } : {}) }));
}
