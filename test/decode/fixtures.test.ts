// The recorded captures in fixtures/captures (openssl s_server and Node servers, re-recorded by
// scripts/record-fixtures.ts): every record exactly covered, every message decoded cleanly, and
// the expected step shapes.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCapture } from '../../src/capture/capture-file.js';
import { decodeCapture } from '../../src/decode/index.js';
import { invariantProblems, repoRoot, steps } from './helpers/util.js';

const dir = path.join(repoRoot, 'fixtures', 'captures');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('fixture captures', () => {
  it('exist', () => expect(files.length).toBeGreaterThan(0));

  it.each(files)('%s decodes cleanly with exact coverage', (file) => {
    const trace = decodeCapture(parseCapture(readFileSync(path.join(dir, file), 'utf8'), file));
    expect(invariantProblems(trace, { coverage: true })).toEqual([]);
    expect(trace.messages.filter((m) => m.issue).map((m) => `${m.kind}: ${m.issue!.reason}`)).toEqual([]);
    expect(trace.notTls).toBeUndefined();
    const s = steps(trace);
    expect(s[0]).toBe('C client_hello');
    expect(s[1]).toBe('S server_hello');
    if (file.includes('tls12')) {
      expect(s).toContain('C ccs');
      expect(s).toContain('S encrypted(Finished)');
      expect(s).toContain('C encrypted(Finished)');
      if (file.includes('client-cert')) expect(s).toEqual(expect.arrayContaining(['S certificate_request', 'C certificate', 'C certificate_verify']));
      if (file.includes('rsa-kx')) expect(s).not.toContain('S server_key_exchange');
    } else {
      expect(s).toContain('S ccs(compat)');
      expect(s).toContain('S encrypted(Finished)');
      expect(s).toContain('C encrypted(Finished)');
      if (file.includes('hrr')) expect(s.filter((x) => x === 'C client_hello')).toHaveLength(2);
    }
  });
});
