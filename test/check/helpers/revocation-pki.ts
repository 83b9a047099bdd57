// A revocation test CA made per run with openssl: root → intermediate (`openssl ca`, index.txt) →
// leaves whose AIA OCSP, caIssuers and CRL Distribution Points name the test's own HTTP port on
// 127.0.0.1. A small node:http handler serves the CRLs and caIssuers and answers OCSP by running
// `openssl ocsp -index … -reqin … -respout …` per request (not `openssl ocsp -port`, which in
// OpenSSL 3.0 spins at 100% CPU when a client closes without a request). The responder signs
// with a delegated OCSPSigning certificate, so the delegated-responder path is what is exercised.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Leaves by name: what their extensions point at, and what the CA did with them. */
export const LEAVES = {
  'ocsp-good': { ext: 'ocsp' },
  'ocsp-revoked': { ext: 'ocsp', revoke: true },
  // Signed with the intermediate key outside `openssl ca`: not in index.txt, so the responder says unknown.
  'ocsp-unknown': { ext: 'ocsp', outsideIndex: true },
  'ocsp-unavailable': { ext: 'ocspDead' },
  'crl-good': { ext: 'crl' },
  'crl-revoked': { ext: 'crl', revoke: true },
  'crl-unavailable': { ext: 'crlDead' },
  'must-staple': { ext: 'mustStaple' },
  'leaf-only': { ext: 'ocsp' },
  // Served without its intermediate, and its caIssuers URL answers 404.
  'aia-dead': { ext: 'aiaDead' },
} as const satisfies Record<string, { ext: string; revoke?: boolean; outsideIndex?: boolean }>;

export type LeafName = keyof typeof LEAVES;

export interface RevocationPki {
  dir: string;
  port: number;
  file(name: string): string;
  /** Requests the HTTP handler saw, by path (`/ocsp`, `/int.crl`, …); those a proxy forwarded (a Via header) also as `via /ocsp`…. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

function caConfig(dir: string, base: string, port: number): string {
  const url = (p: string): string => `http://127.0.0.1:${port}/${p}`;
  return `[ca]
default_ca = CA_default
[CA_default]
dir = ${dir}/${base}
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = ${dir}/${base}.pem
private_key = ${dir}/${base}.key
default_md = sha256
default_days = 365
default_crl_days = 7
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
[int]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
crlDistributionPoints = URI:${url('root.crl')}
[responder]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
[leafbase]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[ocsp]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityInfoAccess = OCSP;URI:${url('ocsp')},caIssuers;URI:${url('int.der')}
[ocspDead]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityInfoAccess = OCSP;URI:${url('ocsp-broken')}
[crl]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
crlDistributionPoints = URI:${url('int.crl')}
[crlDead]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
crlDistributionPoints = URI:${url('missing.crl')}
[aiaDead]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityInfoAccess = caIssuers;URI:${url('missing.der')}
[mustStaple]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityInfoAccess = OCSP;URI:${url('ocsp')}
tlsfeature = status_request
`;
}

function newKey(dir: string, name: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
}

function caDir(dir: string, base: string, port: number): void {
  execFileSync('mkdir', ['-p', `${dir}/${base}/new`]);
  writeFileSync(`${dir}/${base}/index.txt`, '');
  writeFileSync(`${dir}/${base}/serial`, base === 'root' ? '1000\n' : '2000\n');
  writeFileSync(`${dir}/${base}/crlnumber`, '01\n');
  writeFileSync(`${dir}/${base}.cnf`, caConfig(dir, base, port));
}

function issue(dir: string, ca: 'root' | 'int', name: string, ext: string): void {
  newKey(dir, name);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`], dir);
  openssl(['ca', '-batch', '-notext', '-config', `${ca}.cnf`, '-extensions', ext, '-in', `${name}.csr`, '-out', `${name}.pem`], dir);
}

function makePki(dir: string, port: number): void {
  caDir(dir, 'root', port);
  caDir(dir, 'int', port);
  newKey(dir, 'root');
  openssl(['req', '-x509', '-new', '-key', 'root.key', '-subj', '/CN=Revocation Test Root', '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'root.pem'], dir);
  issue(dir, 'root', 'int', 'int');
  openssl(['x509', '-in', 'int.pem', '-outform', 'DER', '-out', 'int.der'], dir);
  issue(dir, 'int', 'responder', 'responder');
  for (const [name, spec] of Object.entries(LEAVES)) {
    if ('outsideIndex' in spec) {
      newKey(dir, name);
      openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`], dir);
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'int.pem', '-CAkey', 'int.key', '-set_serial', '0x7777', '-days', '365', '-extfile', 'int.cnf', '-extensions', spec.ext, '-out', `${name}.pem`], dir);
    } else issue(dir, 'int', name, spec.ext);
    if ('revoke' in spec) openssl(['ca', '-config', 'int.cnf', '-revoke', `${name}.pem`, '-crl_reason', 'keyCompromise'], dir);
  }
  for (const ca of ['root', 'int']) {
    openssl(['ca', '-config', `${ca}.cnf`, '-gencrl', '-out', `${ca}.crl.pem`], dir);
    openssl(['crl', '-in', `${ca}.crl.pem`, '-outform', 'DER', '-out', `${ca}.crl`], dir);
  }
  writeFileSync(path.join(dir, 'chain.pem'), readFileSync(path.join(dir, 'int.pem')));
}

/**
 * More leaves under the test intermediate (benchmarks): one shared key, one `openssl ca` per
 * name (its -subj overrides the request's), so each has its own certificate and serial; `revoke`
 * names are revoked (keyCompromise) and the CRLs are signed again afterwards.
 */
export function issueLeaves(pki: RevocationPki, leaves: Array<{ name: string; ext: 'ocsp' | 'crl'; revoke?: boolean }>): void {
  const dir = pki.dir;
  newKey(dir, 'shared-leaf');
  openssl(['req', '-new', '-key', 'shared-leaf.key', '-subj', '/CN=shared-leaf', '-out', 'shared-leaf.csr'], dir);
  for (const { name, ext, revoke } of leaves) {
    openssl(['ca', '-batch', '-notext', '-config', 'int.cnf', '-extensions', ext, '-subj', `/CN=${name}`, '-in', 'shared-leaf.csr', '-out', `${name}.pem`], dir);
    if (revoke) openssl(['ca', '-config', 'int.cnf', '-revoke', `${name}.pem`, '-crl_reason', 'keyCompromise'], dir);
  }
  openssl(['ca', '-config', 'int.cnf', '-gencrl', '-out', 'int.crl.pem'], dir);
  openssl(['crl', '-in', 'int.crl.pem', '-outform', 'DER', '-out', 'int.crl'], dir);
}

let requestId = 0;

function responderArgs(dir: string, request: Buffer): { args: string[]; out: string } {
  const id = ++requestId;
  writeFileSync(path.join(dir, `req-${id}.der`), request);
  const args = ['ocsp', '-index', 'int/index.txt', '-CA', 'int.pem', '-rsigner', 'responder.pem', '-rkey', 'responder.key', '-reqin', `req-${id}.der`, '-respout', `resp-${id}.der`, '-ndays', '1'];
  return { args, out: path.join(dir, `resp-${id}.der`) };
}

/** Runs `openssl ocsp` as the responder on one DER request; returns the DER response. */
export function answerOcsp(dir: string, request: Buffer): Buffer {
  const { args, out } = responderArgs(dir, request);
  openssl(args, dir);
  return readFileSync(out);
}

/**
 * The same without blocking: the handler runs in the test's own process, and a synchronous
 * openssl would stall check's fetch timers along with it.
 */
function answerOcspAsync(dir: string, request: Buffer): Promise<Buffer> {
  const { args, out } = responderArgs(dir, request);
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd: dir, timeout: 20_000 }, (err) => (err ? reject(err) : resolve(readFileSync(out))));
  });
}

function handler(dir: string, hits: Map<string, number>): http.RequestListener {
  const files: Record<string, string> = { '/int.crl': 'int.crl', '/root.crl': 'root.crl', '/int.der': 'int.der' };
  return (req, res) => {
    const url = req.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    if (req.headers.via) hits.set(`via ${url}`, (hits.get(`via ${url}`) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        if (url === '/ocsp' && req.method === 'POST') {
          answerOcspAsync(dir, Buffer.concat(chunks)).then(
            (body) => res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(body),
            () => res.writeHead(500).end(),
          );
        } else if (url === '/ocsp-broken') {
          res.writeHead(503).end();
        } else if (files[url]) {
          res.writeHead(200).end(readFileSync(path.join(dir, files[url])));
        } else res.writeHead(404).end();
      } catch {
        res.writeHead(500).end();
      }
    });
  };
}

export async function startRevocationPki(): Promise<RevocationPki> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-revocation-'));
  const hits = new Map<string, number>();
  const server = http.createServer(handler(dir, hits));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  makePki(dir, port);
  return {
    dir,
    port,
    hits,
    file: (name) => path.join(dir, name),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
