// Question 3, which key exchange groups and in whose order. TLS 1.3: the group the ServerHello or
// HelloRetryRequest names; TLS ≤ 1.2: the named group of the ServerKeyExchange, offering only the
// ECDHE suites. Both by elimination over the candidate groups, then the two best reversed.

import { groupCandidates, suiteCandidates } from './candidates.js';
import type { ScanContext } from './context.js';
import { eliminate, preferenceOf, type Round } from './elimination.js';
import { pickedSuite } from './hello.js';
import { canMakeKeyShare } from './key-shares.js';
import type { GroupScan } from './types.js';
import type { VersionsFound } from './versions.js';
import { Group, suiteInfo, Version } from '../registry/index.js';

export interface GroupsResult {
  tls12: GroupScan | null;
  tls13: GroupScan | null;
}

/** The group a typical client (shares for x25519 and secp256r1) ends up with. */
async function typicalClient(ctx: ScanContext, groups: readonly number[]): Promise<GroupScan['typicalClient']> {
  const usual: number[] = [Group.x25519, Group.secp256r1, Group.secp384r1, Group.secp521r1];
  const offer = [...usual, ...groups.filter((g) => !usual.includes(g))];
  const typical = await ctx.chainProbe({ version: Version.TLS13, suites: suiteCandidates(Version.TLS13), groups: offer, sni: ctx.target.sni });
  const tsh = typical.flight.serverHello;
  return tsh && tsh.selectedGroup !== undefined ? { group: tsh.selectedGroup, helloRetryRequest: tsh.helloRetryRequest } : undefined;
}

async function groups13(ctx: ScanContext): Promise<GroupScan> {
  const suites13 = suiteCandidates(Version.TLS13);
  // Empty key_share: the server must answer with a HelloRetryRequest naming its group, so
  // groups Node cannot make shares for (FFDHE, ML-KEM hybrids) are enumerated too.
  const roundWith =
    (shares: 'none' | 'all'): Round<number> =>
    async (remaining) => {
      const r = await ctx.chainProbe({ version: Version.TLS13, suites: suites13, groups: remaining, shares: shares === 'none' ? [] : remaining.filter(canMakeKeyShare), sni: ctx.target.sni });
      const sh = r.flight.serverHello;
      return sh && sh.version === Version.TLS13 ? sh.selectedGroup : undefined;
    };
  let round = roundWith('none');
  let groups = await eliminate(groupCandidates(Version.TLS13), round);
  if (groups.length === 0) {
    // A server that refuses an empty key_share: offer real shares for every group Node can
    // make (the server then names one in its ServerHello or a HelloRetryRequest).
    ctx.notes.push('the server refused a TLS 1.3 hello with an empty key_share; groups were probed with real key shares');
    round = roundWith('all');
    groups = await eliminate(groupCandidates(Version.TLS13), round);
  }
  const order = await preferenceOf(groups, round);
  return { groups, order, typicalClient: await typicalClient(ctx, groups) };
}

async function groups12(ctx: ScanContext, version: number, ecdheSuites: readonly number[]): Promise<GroupScan> {
  const round: Round<number> = async (remaining) => {
    const r = await ctx.chainProbe({ version, suites: ecdheSuites, groups: remaining, sni: ctx.target.sni }, { fullFlight: true });
    return pickedSuite(r, version) !== undefined ? r.flight.keyExchange?.namedGroup : undefined;
  };
  const groups = await eliminate(groupCandidates(version), round);
  return { groups, order: await preferenceOf(groups, round) };
}

export function scanGroups(ctx: ScanContext, found: VersionsFound): Promise<GroupsResult> {
  const tls13 = found.has13 ? ctx.step(groups13(ctx)) : Promise.resolve(null);
  const ecdhe = found.candidates12.filter((c) => (suiteInfo(c)?.kx ?? '').toUpperCase().startsWith('ECDHE'));
  const best12 = found.best12;
  const tls12 = best12 !== undefined && best12 > Version.SSL3 && ecdhe.length > 0 ? ctx.step(groups12(ctx, best12, ecdhe)) : Promise.resolve(null);
  return Promise.all([tls12, tls13]).then(([a, b]) => ({ tls12: a, tls13: b }));
}
