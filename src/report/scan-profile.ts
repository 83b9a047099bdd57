// The scan's Mozilla guideline section, in text: which configuration the server meets best, the
// deviation count for each, and with --profile every deviation of the one asked for, in the same
// line shape as the findings.

import type { Finding, MozillaCompliance } from '../scan/types.js';
import { escapeControl } from './escape.js';
import type { Palette } from './palette.js';

export function profileLines(m: MozillaCompliance | undefined, p: Palette, findingLine: (f: Finding) => string): string[] {
  if (!m) return [];
  const required = m.profiles.find((x) => x.name === m.required);
  const head = required
    ? `Mozilla server-side TLS ${m.guideline}: ${required.name} — ${required.deviations.length === 0 ? 'met' : `${required.deviations.length} deviation(s)`}`
    : `Mozilla server-side TLS ${m.guideline}`;
  const out = [p.heading(head)];
  out.push(m.best ? `  best met: ${p.good(m.best)}` : `  best met: ${p.bad('none')}`);
  out.push(p.dim(`  deviations: ${m.profiles.map((x) => `${x.name} ${x.deviations.length}`).join(', ')}`));
  if (required) {
    for (const f of required.deviations) out.push(findingLine(f));
    for (const u of required.unchecked) out.push(p.dim(`  not checked: ${escapeControl(u)}`));
  }
  return out;
}
