// exim4 (Debian exim4-daemon-light or -heavy) as an SMTP server with STARTTLS on one loopback
// port: `exim4 -bdf -oX PORT -C CONF`. Postfix is not an option: its master refuses to run
// unprivileged. exim is setuid root but gives up root for a -C configuration, so the daemon runs
// entirely as the caller, which must be an exim admin user: as root we run it as Debian-exim.
// It accepts no mail (every RCPT is denied): the tests need only the dialogue up to STARTTLS.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeServerDir, serverAccount, serverBinary, startRealServer, type Account, type RealServer, type RealServerOptions } from './common.js';

export interface EximOptions extends RealServerOptions {
  /** Advertise STARTTLS (default true); false gives a server that does not offer it. */
  starttls?: boolean;
  /**
   * AUTH PLAIN (user `test`, password `secret`): 'none' (default) offers no AUTH; 'tls-only'
   * advertises it only after STARTTLS; 'plaintext' advertises it in the EHLO before TLS too.
   */
  auth?: 'none' | 'tls-only' | 'plaintext';
  /** Extra main-section configuration lines (e.g. `tls_require_ciphers = …`). */
  extraConfig?: string;
}

function authenticators(auth: EximOptions['auth']): string {
  if (!auth || auth === 'none') return '';
  // $auth2/$auth3: PLAIN's user and password. Exim advertises an authenticator only where its
  // server_advertise_condition holds; tls_in_cipher is set once STARTTLS has completed.
  const advertise = auth === 'tls-only' ? '${if def:tls_in_cipher}' : 'true';
  return `
begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and{{eq{$auth2}{test}}{eq{$auth3}{secret}}}}
  server_advertise_condition = ${advertise}
`;
}

function eximConfig(dir: string, files: { chainFile: string; keyFile: string }, account: Account, opts: EximOptions): string {
  return `primary_hostname = localhost
spool_directory = ${path.join(dir, 'spool')}
log_file_path = ${path.join(dir, 'log')}/%slog
pid_file_path = ${path.join(dir, 'exim.pid')}
exim_user = ${account.name}
exim_group = ${account.group}
never_users =
keep_environment =
local_interfaces = 127.0.0.1
# No DNS and no ident lookups on loopback: both would only add waits.
host_lookup =
rfc1413_hosts =
tls_advertise_hosts = ${opts.starttls === false ? '' : '*'}
tls_certificate = ${files.chainFile}
tls_privatekey = ${files.keyFile}
${opts.extraConfig ?? ''}
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  deny message = tls-trace test server accepts no mail
${authenticators(opts.auth)}`;
}

/** Starts exim4 listening for SMTP (STARTTLS advertised) on 127.0.0.1 at a free port. */
export async function startExim(opts: EximOptions = {}): Promise<RealServer> {
  const setupStartedAt = Date.now();
  const binary = serverBinary('exim4', 'exim4-daemon-light');
  const account = serverAccount('Debian-exim');
  const files = makeServerDir('exim');
  mkdirSync(path.join(files.dir, 'spool'));
  mkdirSync(path.join(files.dir, 'log'));
  const conf = path.join(files.dir, 'exim.conf');
  writeFileSync(conf, eximConfig(files.dir, files, account, opts));
  return startRealServer({
    name: 'exim4',
    files,
    account,
    portNames: ['smtp'],
    // -bdf: daemon in the foreground; -oX: the port (on local_interfaces); -q unset: no queue runner.
    command: (ports) => ({ cmd: binary, args: ['-bdf', '-oX', String(ports.smtp), '-C', conf] }),
    logFiles: ['log/mainlog', 'log/paniclog'],
    setupStartedAt,
    options: opts,
  });
}
