import { execFileSync } from 'node:child_process';
import { startExim } from './test/helpers/real-servers/exim.ts';
import { startDovecot } from './test/helpers/real-servers/dovecot.ts';
import { startPostgres } from './test/helpers/real-servers/postgres.ts';
import { startMariadb } from './test/helpers/real-servers/mariadb.ts';
import { startSlapd } from './test/helpers/real-servers/slapd.ts';
import { startVsftpd } from './test/helpers/real-servers/vsftpd.ts';
import { startProsody } from './test/helpers/real-servers/prosody.ts';
import { startNnrpd } from './test/helpers/real-servers/nnrpd.ts';
const cases: [string, string, () => Promise<any>, string[]][] = [
  ['exim', 'smtp', () => startExim({ starttls: false }), []],
  ['dovecot', 'imap', () => startDovecot({ starttls: false }), []],
  ['postgres', 'postgres', () => startPostgres({ ssl: false }), []],
  ['mariadb', 'mysql', () => startMariadb({ ssl: false }), []],
  ['slapd', 'ldap', () => startSlapd({ tls: false }), []],
  ['vsftpd', 'ftp', () => startVsftpd({ tls: false }), []],
  ['prosody', 'xmpp', () => startProsody({ tls: false }), ['-xmpphost', 'localhost']],
  ['nnrpd', 'nntp', () => startNnrpd({ tls: false }), []],
];
for (const [name, proto, start, extra] of cases) {
  const s = await start();
  let out = '';
  try { out = execFileSync('openssl', ['s_client', '-starttls', proto, '-connect', `127.0.0.1:${s.port}`, '-brief', ...extra], { input: '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 15000 }); }
  catch (e: any) { out = `${e.stdout}${e.stderr}`; }
  console.log(`== ${name} startMs=${s.startMs}\n${out.split('\n').slice(0, 3).join('\n')}`);
  await s.stop();
}
