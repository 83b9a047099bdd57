// testssl.sh (the Debian package, 3.0.x; the command is `testssl`) run offline against a loopback
// server and read back from its flat JSON file (`--jsonfile`): one object per finding, `id`,
// `severity`, `finding`. It runs only the checks asked for, never resolves a name (`--nodns none`,
// an IP literal target), never phones out (its default), never prompts (`--warnings batch`: a
// warning that would ask aborts the run instead), and is killed at `timeoutMs`.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gnuTimeCpuMs, underGnuTime } from './gnu-time.js';
import { addCode, emptyVerdicts, groupByOpensslName, suiteByOpensslName, ANY_VERSION, type FlagCheck, type Verdicts } from './tool-verdicts.js';

export interface TestsslFinding {
  id: string;
  severity: string;
  finding: string;
}

export interface TestsslRun {
  findings: TestsslFinding[];
  code: number | null;
  ms: number;
  /** What testssl.sh printed (its screen report), for diagnostics. */
  output: string;
  /** User + system CPU time of testssl.sh and every process it waited for (with `cpu`). */
  cpuMs?: number;
}

/** The options every run gets: offline, unattended, plain text, this machine's openssl. */
export const TESTSSL_OFFLINE_FLAGS: readonly string[] = ['--quiet', '--warnings', 'batch', '--color', '0', '--nodns', 'none', '--openssl', '/usr/bin/openssl', '--connect-timeout', '10'];

/**
 * `testssl CHECKS… --jsonfile FILE TARGET`; never rejects (a killed or failed run has no findings
 * and says so in `code`/`output`). `cpu`: run it under GNU time (/usr/bin/time) for its CPU time.
 */
export function runTestssl(target: string, checks: readonly string[], timeoutMs: number, opts: { cpu?: boolean } = {}): Promise<TestsslRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-testssl-'));
  const jsonFile = path.join(dir, 'report.json');
  const timeFile = path.join(dir, 'time.txt');
  const args = [...TESTSSL_OFFLINE_FLAGS, '--jsonfile', jsonFile, ...checks, target];
  const [cmd, argv] = (opts.cpu && underGnuTime(timeFile, 'testssl', args)) || ['testssl', args];
  const t0 = performance.now();
  return new Promise<TestsslRun>((resolve) => {
    // Its own process group, so the timeout reaches the openssl and sleep children it forks.
    const child = spawn(cmd, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const keep = (b: Buffer): void => void (output = (output + b.toString()).slice(-200_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(kill, timeoutMs);
    process.once('exit', kill);
    child.on('close', (code) => {
      clearTimeout(timer);
      process.off('exit', kill);
      let findings: TestsslFinding[] = [];
      try {
        findings = JSON.parse(readFileSync(jsonFile, 'utf8')) as TestsslFinding[];
      } catch {
        // no (complete) report: findings stay empty, the caller sees code and output
      }
      const cpuMs = gnuTimeCpuMs(timeFile);
      resolve({ findings, code, ms: performance.now() - t0, output, ...(cpuMs !== undefined ? { cpuMs } : {}) });
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const PROTOCOL_IDS: Readonly<Record<string, string>> = { SSLv2: 'SSL 2.0', SSLv3: 'SSL 3.0', TLS1: 'TLS 1.0', TLS1_1: 'TLS 1.1', TLS1_2: 'TLS 1.2', TLS1_3: 'TLS 1.3' };
/** `cipher-tls1_2_xc02f` (-E, per protocol) id prefixes. */
const CIPHER_PROTOCOLS: Readonly<Record<string, string>> = { ssl3: 'SSL 3.0', tls1: 'TLS 1.0', tls1_1: 'TLS 1.1', tls1_2: 'TLS 1.2', tls1_3: 'TLS 1.3' };

/** Yes/no checks: the finding's id, and the words that mean yes and no. */
const FLAG_IDS: ReadonlyArray<{ check: FlagCheck; id: string; yes: RegExp; no: RegExp }> = [
  { check: 'secureRenegotiation', id: 'secure_renego', yes: /^supported/, no: /^not supported/i },
  { check: 'fallbackScsv', id: 'fallback_SCSV', yes: /^supported/, no: /^(not supported|VULNERABLE)/i },
  { check: 'compression', id: 'CRIME_TLS', yes: /^VULNERABLE/, no: /^not vulnerable/ },
  { check: 'heartbleed', id: 'heartbleed', yes: /^VULNERABLE/, no: /^not vulnerable/ },
  { check: 'ccsInjection', id: 'CCS', yes: /^VULNERABLE/, no: /^not vulnerable/ },
  { check: 'clientRenegotiation', id: 'secure_client_renego', yes: /^VULNERABLE/, no: /^not vulnerable/ },
];

export interface TestsslVerdicts extends Verdicts {
  /** Cipher lines whose OpenSSL name the registry maps to another code than testssl.sh's hexcode, and curve names it lacks. */
  nameMismatches: string[];
}

/** One cipher line (`TLS 1.2   xc02f   ECDHE-RSA-AES128-GCM-SHA256   ECDH 253 …`) into the verdicts. */
function readCipher(f: TestsslFinding, version: string | undefined, v: TestsslVerdicts, dh: number[]): void {
  const m = /\bx([0-9a-f]+)\s+(\S+)\s+(\S+(?: \d+)?)/i.exec(f.finding);
  if (!m) return;
  const code = parseInt(m[1], 16);
  if (suiteByOpensslName(m[2]) !== code) v.nameMismatches.push(f.finding.trim());
  if (version) addCode(v.suites, version, code);
  const dhBits = /^DH (\d+)$/.exec(m[3]);
  if (dhBits) dh.push(Number(dhBits[1]));
}

export function testsslVerdicts(findings: readonly TestsslFinding[]): TestsslVerdicts {
  const v: TestsslVerdicts = { ...emptyVerdicts('testssl.sh'), nameMismatches: [] };
  const dh: number[] = [];
  for (const f of findings) {
    const protocol = PROTOCOL_IDS[f.id];
    if (protocol && /^(not )?offered/.test(f.finding)) v.protocols.set(protocol, f.finding.startsWith('offered'));
    const cipher = /^cipher(?:-(ssl3|tls1(?:_[123])?)_|_)x[0-9a-f]+$/.exec(f.id);
    if (cipher) readCipher(f, cipher[1] ? CIPHER_PROTOCOLS[cipher[1]] : undefined, v, dh);
    // 3.0 calls it PFS_ECDHE_curves, 3.1 FS_ECDHE_curves: OpenSSL curve names, any version.
    if (/^P?FS_ECDHE_curves$/.test(f.id)) for (const name of f.finding.split(/\s+/)) addGroup(v, name);
    const flag = FLAG_IDS.find((x) => x.id === f.id);
    if (flag && flag.yes.test(f.finding)) v.flags.set(flag.check, true);
    else if (flag && flag.no.test(f.finding)) v.flags.set(flag.check, false);
  }
  // Offered versions with no cipher line accept nothing testssl.sh knows; only -E says so per version.
  if (findings.some((f) => f.id.startsWith('cipher-'))) for (const [name, offered] of v.protocols) if (offered && !v.suites.has(name)) v.suites.set(name, []);
  if (dh.length) v.dhBits = Math.min(...dh);
  return v;
}

function addGroup(v: TestsslVerdicts, name: string): void {
  const code = groupByOpensslName(name);
  if (code !== undefined) addCode(v.groups, ANY_VERSION, code);
  else if (name) v.nameMismatches.push(`curve ${name}: not in the group registry`);
}
