// Question 2, which cipher suites per version and in whose order: starting from the suite the
// first hello got, offer the rest again and again, dropping each pick (elimination), then offer
// the two best picks reversed to tell server order from client order. Under client order the rest
// can be enumerated in independent slices at once; under server order, in hello-sized chunks.

import { SCANNED_VERSIONS, suiteCandidates } from './candidates.js';
import type { ScanContext } from './context.js';
import { eliminate, eliminateChunked, preferenceOf } from './elimination.js';
import { pickedSuite } from './hello.js';
import type { ProbeResult } from './probe.js';
import type { AcceptedSuite, VersionScan } from './types.js';
import { refusalOf, type VersionsFound } from './versions.js';
import { suiteInfo, Version, versionName } from '../registry/index.js';

/** Picks after the first two, in server order or (client order) offer order. */
async function enumerateRest(ctx: ScanContext, rest: number[], order: VersionScan['order'], round: (remaining: readonly number[]) => Promise<number | undefined>): Promise<number[]> {
  if (order !== 'client') return eliminateChunked(rest, ctx.opts.maxSuitesPerHello ?? 4000, round);
  // The server takes the first suite it knows from our list, so the rest can be enumerated in
  // independent slices of the list at once; concatenated, they are still in offer order.
  const slices = Math.max(1, Math.min(ctx.opts.concurrency, Math.ceil(rest.length / 16)));
  const size = Math.ceil(rest.length / slices);
  const parts: number[][] = [];
  for (let i = 0; i < rest.length; i += size) parts.push(rest.slice(i, i + size));
  return (await Promise.all(parts.map((part) => eliminate(part, round)))).flat();
}

/** Every suite `version` accepts, with the key exchange each was negotiated with (TLS ≤ 1.2). */
async function enumerateSuites(ctx: ScanContext, found: VersionsFound, version: number): Promise<VersionScan> {
  const details = new Map<number, AcceptedSuite>();
  const record = (r: ProbeResult, pick: number): void => {
    if (version >= Version.TLS13 || details.has(pick)) return;
    const kx = r.flight.keyExchange;
    details.set(pick, { code: pick, group: kx?.namedGroup, dhBits: kx?.dhPBits });
    const auth = suiteInfo(pick)?.auth ?? 'unknown';
    ctx.certificates.note(r.flight.certificates?.map((h) => Buffer.from(h, 'hex')), `${versionName(version)} ${auth} suites, ${ctx.sniLabel}`);
  };
  const round = async (remaining: readonly number[]): Promise<number | undefined> => {
    const r = await ctx.chainProbe({ version, suites: remaining, sni: ctx.target.sni }, { fullFlight: version < Version.TLS13 });
    const pick = pickedSuite(r, version);
    if (pick !== undefined) record(r, pick);
    return pick;
  };
  const first = found.firstRounds.get(version)!;
  const a = pickedSuite(first, version)!;
  record(first, a);
  let rest = suiteCandidates(version).filter((c) => c !== a);
  const b = await round(rest);
  let codes: number[];
  let order: VersionScan['order'] = 'single';
  if (b === undefined || !rest.includes(b)) codes = [a];
  else {
    rest = rest.filter((c) => c !== b);
    order = await preferenceOf([a, b], round);
    codes = [a, b, ...(await enumerateRest(ctx, rest, order, round))];
  }
  return { version, supported: true, suites: codes.map((c) => details.get(c) ?? { code: c }), order };
}

/** One entry per scanned version: its accepted suites in order, or why it was refused. */
export function scanSuites(ctx: ScanContext, found: VersionsFound): Promise<VersionScan[]> {
  return Promise.all(
    SCANNED_VERSIONS.map((v): Promise<VersionScan> =>
      found.supported.includes(v)
        ? ctx.step(enumerateSuites(ctx, found, v))
        : Promise.resolve({ version: v, supported: false, suites: [], refusal: refusalOf(found.firstRounds.get(v)!) }),
    ),
  );
}
