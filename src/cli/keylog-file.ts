// Writing an NSS key log file for `--keylog FILE` and SSLKEYLOGFILE, so Wireshark can decrypt a
// parallel capture. Appends like browsers and curl do (one file can collect many connections);
// a file we create gets mode 0600 because it holds session secrets.

import { closeSync, openSync, writeSync } from 'node:fs';

export function writeKeyLogFile(path: string, lines: readonly string[]): void {
  const text = lines.map((l) => l.replace(/[\r\n]+$/, '') + '\n').join('');
  // 'a' creates the file if missing; the mode applies only then, so an existing file keeps its
  // owner's choice of permissions.
  const fd = openSync(path, 'a', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
