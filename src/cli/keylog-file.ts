// Writing an NSS key log file for `--keylog FILE` and SSLKEYLOGFILE, so Wireshark can decrypt a
// parallel capture. Appends like browsers and curl do (one file can collect many connections);
// a file we create gets mode 0600 because it holds session secrets.

import { writeOutputFile } from './write-file.js';

/**
 * Appends the lines; a failure is a WriteError (src/cli/write-file.ts) naming the file and where
 * it came from (`what`: `--keylog` or `SSLKEYLOGFILE`).
 */
export function writeKeyLogFile(path: string, lines: readonly string[], what = '--keylog'): void {
  const text = lines.map((l) => l.replace(/[\r\n]+$/, '') + '\n').join('');
  // The mode applies only to a new file: an existing one keeps its owner's choice of permissions.
  writeOutputFile(path, text, { what, append: true, mode: 0o600 });
}
