// The NSS key log lines a capture's connections are decrypted with (from the file's DSBs and
// --keylog), indexed by client random once as they arrive, so matching a connection is one lookup
// rather than a pass over every line. What it holds is capped (src/limits.ts).

import { MAX_CAPTURE_KEYLOG_BYTES, MAX_CAPTURE_KEYLOG_LINES } from '../../limits.js';

export class KeylogIndex {
  private readonly byRandom = new Map<string, string[]>();
  private lines = 0;
  private bytes = 0;
  /** Lines dropped because the caps were reached. */
  dropped = 0;

  add(lines: Iterable<string>): void {
    for (const line of lines) {
      if (this.lines >= MAX_CAPTURE_KEYLOG_LINES || this.bytes + line.length > MAX_CAPTURE_KEYLOG_BYTES) {
        this.dropped++;
        continue;
      }
      // NSS format: LABEL <client random hex> <secret hex>; comments and odd lines have no usable key.
      const random = line.split(/\s+/)[1]?.toLowerCase();
      if (random === undefined || random === '') continue;
      const list = this.byRandom.get(random);
      if (list) list.push(line);
      else this.byRandom.set(random, [line]);
      this.lines++;
      this.bytes += line.length;
    }
  }

  /** Whether any line is held (none: no connection needs its client random looked up). */
  get empty(): boolean {
    return this.byRandom.size === 0;
  }

  /** The lines for one client random (hex, lower case), in the order they were added. */
  linesFor(random: string): string[] {
    return [...(this.byRandom.get(random) ?? [])];
  }
}
