// Target lists: command-line arguments plus `--targets FILE` (one per line, `#` comments, blank
// lines ignored; `-` reads stdin). Parsing reuses the trace command's target grammar.

import { UsageError } from '../errors.js';
import { MAX_TARGETS_FILE_BYTES } from '../limits.js';
import { readInputText, type StdinSource } from './read-file.js';
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

/** The targets in FILE (or stdin for `-`), read through the CLI's capped regular-file reader. */
export async function readTargetsFile(file: string, stdin?: StdinSource): Promise<CheckTarget[]> {
  const text = await readInputText(file, { what: '--targets', maxBytes: MAX_TARGETS_FILE_BYTES }, stdin);
  const where = file === '-' ? 'stdin' : file;
  const targets = parseTargetsText(text, where);
  if (targets.length === 0) throw new UsageError(`--targets ${where} lists no targets`, 'one HOST[:PORT] per line; # starts a comment');
  return targets;
}
