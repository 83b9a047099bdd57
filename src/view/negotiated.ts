// The negotiated-parameters section: one row per parameter with its value in words, where the value
// came from, the code point it names, and whether the value is worth noticing (the text report
// colours by that tone; the JSON keeps the analysis's row).

import type { CodePoint, GroupFact, Negotiated, NegotiatedRow, TraceAnalysis } from '../analyse/types.js';
import type { Tone } from './types.js';

export interface NegotiatedRowView extends NegotiatedRow {
  /** `decrypted · from CertificateVerify`: the source and the note in words ('' when neither says anything). */
  noteWords: string;
  /** The code point the value names (version, cipher suite, named group, signature scheme). */
  code?: CodePoint;
  tone?: Tone;
}

const SOURCE_WORDS: Record<NegotiatedRow['source'], string | undefined> = {
  decoded: undefined,
  decrypted: 'decrypted',
  node: 'from Node, not the bytes',
  'not-applicable': undefined,
  unknown: undefined,
};

/** Yes/no rows where "no" is worth noticing. */
const GOOD_WHEN_YES: ReadonlyArray<keyof Negotiated> = ['forwardSecrecy', 'extendedMasterSecret', 'secureRenegotiation'];

export function describeNegotiated(analysis: TraceAnalysis): NegotiatedRowView[] {
  return analysis.table.map((row) => {
    const view: NegotiatedRowView = { ...row, noteWords: [SOURCE_WORDS[row.source], row.note].filter(Boolean).join(' · ') };
    const code = codeOf(analysis.negotiated, row.key);
    if (code) view.code = code;
    const tone = toneOf(row);
    if (tone) view.tone = tone;
    return view;
  });
}

function codeOf(n: Negotiated, key: keyof Negotiated): CodePoint | undefined {
  switch (key) {
    case 'version':
    case 'cipherSuite':
    case 'signatureScheme': {
      const v = n[key].value;
      return v ? { code: v.code, hex: v.hex, name: v.name } : undefined;
    }
    case 'group': {
      const g: GroupFact | undefined = n.group.value;
      // An unnamed DHE group has no code point, only a size.
      return g?.code !== undefined && g.hex !== undefined ? { code: g.code, hex: g.hex, name: g.name } : undefined;
    }
    default:
      return undefined;
  }
}

function toneOf(row: NegotiatedRow): Tone | undefined {
  if (row.value === 'unknown') return 'warn';
  if (GOOD_WHEN_YES.includes(row.key)) return row.value === 'yes' ? 'good' : row.value === 'no' ? 'bad' : undefined;
  if (row.key === 'downgradeSentinel' && row.value !== 'no') return row.note?.includes('attack') ? 'bad' : 'warn';
  return undefined;
}
