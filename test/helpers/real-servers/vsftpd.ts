// vsftpd (Debian vsftpd) with FTP AUTH TLS on a loopback port: `vsftpd CONF` standalone
// (listen=YES) in the foreground (background=NO). vsftpd insists on root for its privilege
// separation and chroots; run_as_launching_user=YES turns both off, so it runs entirely as the
// account that started it (as root we start it as the ftp user, or nobody). Anonymous login is on
// only because vsftpd refuses a configuration with no login method; there is nothing to fetch.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeServerDir, serverAccount, serverBinary, startRealServer, type RealServer, type RealServerOptions, type ServerFiles } from './common.js';

export interface VsftpdOptions extends RealServerOptions {
  /** Offer AUTH TLS (default true); false gives a server that answers AUTH TLS with 530. */
  tls?: boolean;
}

function vsftpdConfig(files: ServerFiles, port: number, tls: boolean): string {
  const d = files.dir;
  const empty = path.join(d, 'empty');
  return `listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=${port}
background=NO
run_as_launching_user=YES
# The seccomp sandbox kills the process on syscalls this unprivileged mode makes.
seccomp_sandbox=NO
anonymous_enable=YES
anon_root=${empty}
local_enable=NO
write_enable=NO
secure_chroot_dir=${empty}
ssl_enable=${tls ? 'YES' : 'NO'}
allow_anon_ssl=YES
rsa_cert_file=${files.chainFile}
rsa_private_key_file=${files.keyFile}
# vsftpd 3.0.3's default cipher list is DES-CBC3-SHA alone, which OpenSSL 3 does not offer.
ssl_ciphers=HIGH
require_ssl_reuse=NO
xferlog_enable=NO
vsftpd_log_file=${path.join(d, 'vsftpd.log')}
`;
}

/** Starts vsftpd listening for FTP (AUTH TLS offered) on 127.0.0.1 at a free port. */
export async function startVsftpd(opts: VsftpdOptions = {}): Promise<RealServer> {
  const setupStartedAt = Date.now();
  const binary = serverBinary('vsftpd', 'vsftpd');
  const account = serverAccount('ftp');
  const files = makeServerDir('vsftpd');
  mkdirSync(path.join(files.dir, 'empty'));
  const conf = path.join(files.dir, 'vsftpd.conf');
  return startRealServer({
    name: 'vsftpd',
    files,
    account,
    portNames: ['ftp'],
    command: (ports) => {
      writeFileSync(conf, vsftpdConfig(files, ports.ftp, opts.tls !== false));
      return { cmd: binary, args: [conf] };
    },
    logFiles: ['vsftpd.log'],
    setupStartedAt,
    options: opts,
  });
}
