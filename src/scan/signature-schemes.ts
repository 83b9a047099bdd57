// Question 4, which signature schemes. TLS 1.2: the scheme of the ServerKeyExchange, by
// elimination over the offered signature_algorithms with only signed (EC)DHE suites offered.
// TLS 1.3 encrypts the CertificateVerify, so full Node handshakes tell instead: first one per key
// family (all its schemes allowed); only families the server can sign with are then tried scheme
// by scheme. Names this OpenSSL does not know cannot be offered by Node at all and are skipped.

import { nodeKnowsSigalg } from '../capture/probe-connection.js';
import { signatureSchemeCandidates, suiteCandidates, TLS13_SIGNATURE_SCHEMES } from './candidates.js';
import type { ScanContext } from './context.js';
import { eliminate } from './elimination.js';
import { pickedSuite } from './hello.js';
import type { VersionsFound } from './versions.js';
import { suiteInfo, Version } from '../registry/index.js';

export interface SignatureSchemesResult {
  /** From the ServerKeyExchange, in server preference order. */
  tls12: number[] | null;
  /** From Node handshakes with `sigalgs` restricted, in our candidate order. */
  tls13: number[] | null;
}

function sigs12(ctx: ScanContext, signed: readonly number[]): Promise<number[]> {
  return eliminate(signatureSchemeCandidates(), async (remaining) => {
    const r = await ctx.chainProbe({ version: Version.TLS12, suites: signed, sigs: remaining, sni: ctx.target.sni }, { fullFlight: true });
    return pickedSuite(r, Version.TLS12) !== undefined ? r.flight.keyExchange?.signatureScheme : undefined;
  });
}

async function sigs13(ctx: ScanContext): Promise<number[]> {
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

export function scanSignatureSchemes(ctx: ScanContext, found: VersionsFound): Promise<SignatureSchemesResult> {
  const signed12 = (found.supported.includes(Version.TLS12) ? suiteCandidates(Version.TLS12) : []).filter((c) => {
    const i = suiteInfo(c);
    return i && /^(EC)?DHE/.test(i.kx.toUpperCase()) && !['anon', 'NULL', 'PSK'].includes(i.auth);
  });
  const tls12 = signed12.length > 0 ? ctx.step(sigs12(ctx, signed12)) : Promise.resolve(null);
  const tls13 = found.has13 ? ctx.step(sigs13(ctx)) : Promise.resolve(null);
  return Promise.all([tls12, tls13]).then(([a, b]) => ({ tls12: a, tls13: b }));
}
