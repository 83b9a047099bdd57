// Target lists: command-line arguments plus `--targets FILE` (one per line, `#` comments, blank
// lines ignored). Parsing reuses the trace command's target grammar.

import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { parseTarget } from './target.js';
import type { CheckTarget } from '../check/types.js';

export function toCheckTarget(input: string): CheckTarget {
  const t = parseTarget(input);
  return { input, host: t.host, port: t.port, display: t.display };
}

/** Lines of a targets file, without comments and blanks; `where` names the file in errors. */
export function parseTargetsText(text: string, where: string): CheckTarget[] {
  const out: CheckTarget[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const s = line.replace(/#.*$/, '').trim();
    if (!s) return;
    try {
      out.push(toCheckTarget(s));
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(`${where}:${i + 1}: ${e.message}`, e.hint);
      throw e;
    }
  });
  return out;
}

export function readTargetsFile(file: string): CheckTarget[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read --targets ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`);
  }
  const targets = parseTargetsText(text, file);
  if (targets.length === 0) throw new UsageError(`--targets ${file} lists no targets`, 'one HOST[:PORT] per line; # starts a comment');
  return targets;
}
