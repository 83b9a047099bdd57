// The plaintext before TLS in --json: the view's steps with their lines, details, explanation
// and bytes as hex (cut at the JSON hex cap), plus the dialogue's facts and findings. Strings are
// escaped with the rest of the document, once, by renderJson's escapeStrings.

import type { Capture } from '../capture/types.js';
import { JSON_MAX_HEX_BYTES_PER_DIRECTION } from '../limits.js';
import { prologueView, type PrologueFinding, type PrologueView } from '../view/prologue.js';
import { capArrays } from './json-caps.js';

export interface PrologueStepJson {
  index: number;
  direction: 'client' | 'server';
  timeMs: number;
  role: string;
  title: string;
  lines: string[];
  linesOmitted?: number;
  details: Array<{ label: string; value: string }>;
  explanation: string;
  length: number;
  hex: string;
  hexOmitted?: number;
}

export interface PrologueJson extends Omit<PrologueView, 'steps' | 'findings'> {
  steps: PrologueStepJson[];
  findings: PrologueFinding[];
}

export function prologueJson(capture: Capture): PrologueJson | undefined {
  const view = prologueView(capture);
  if (!view) return undefined;
  let hexLeft = JSON_MAX_HEX_BYTES_PER_DIRECTION;
  const steps = view.steps.map((s): PrologueStepJson => {
    const fits = s.length <= hexLeft;
    if (fits) hexLeft -= s.length;
    return {
      index: s.index,
      direction: s.direction,
      timeMs: s.timeMs,
      role: s.role,
      title: s.title,
      lines: s.lines,
      ...(s.linesOmitted ? { linesOmitted: s.linesOmitted } : {}),
      details: s.details.map(({ label, value }) => ({ label, value })),
      explanation: s.explanation,
      length: s.length,
      hex: fits ? Buffer.from(s.bytes).toString('hex') : '',
      ...(fits ? {} : { hexOmitted: s.length }),
    };
  });
  return capArrays({ ...view, steps });
}
