#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { createContainer } from '../container.js';
import { AppError } from '../domain/errors.js';
import { ROLES, TOKEN_SCOPES, systemActor, type Role, type TokenScope } from '../domain/actor.js';
import { createAccount, resetPassword, updateAccount } from '../services/auth/account.service.js';
import { createToken } from '../services/auth/token.service.js';
import { audit, verifyAudit } from '../services/audit.service.js';
import { importTeamKeyFile } from '../services/team-key.service.js';
import { KeyFiles } from '../store/key-files.js';
import { actorOf, publicAccountOf } from '../services/auth/session.service.js';
import { listIncidents } from '../services/incident.service.js';
import { exportOrganisationsCsv, importOrganisationsCsv } from '../services/organisation.service.js';
import { importRegistry } from '../services/abuse-contact.service.js';
import { runEvidenceRetention } from '../services/evidence-retention.service.js';
import { releaseAllHeldMail, releaseHeldMail, spoolCounts, spooledMailRaw, troubledMails } from '../services/held-mail.service.js';
import { serve } from './serve.js';
import { quarterlyReport, quarterlyReportFile } from '../services/statistics.service.js';
import { htmlToPdf } from './pdf.js';

/**
 * The `renkei` command. Each subcommand calls the same use cases as the API.
 * Whoever has the console has the data directory and the database, so the
 * CLI acts as the system (`system:cli` in the timeline and the audit log).
 */
const CLI = systemActor('cli');

/** Open the container, run `fn`, close; errors become a message and exit code 1. */
async function withContainer(fn: (c: Awaited<ReturnType<typeof createContainer>>) => Promise<void>): Promise<void> {
  const c = await createContainer(loadConfig());
  try {
    await fn(c);
  } finally {
    await c.close();
  }
}
const program = new Command('renkei').description('Renkei (連携) — incident coordination for CSIRTs').showHelpAfterError();

program
  .command('serve')
  .description('run the API, the SMTP listener and the job workers in one process, or one of them (--role)')
  .addOption(new Option('--role <role>', 'which part to run').choices(['all', 'api', 'worker', 'smtp']).default('all'))
  .action(async (opts: { role: 'all' | 'api' | 'worker' | 'smtp' }) => {
    await serve(loadConfig(), opts.role);
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const config = loadConfig();
    const c = await createContainer(config);
    console.log(`migrations applied on ${c.database.describe}`);
    await c.close();
  });

const importCmd = program.command('import').description('import data');
importCmd
  .command('orgs <file>')
  .description('import the directory from CSV (see docs/directory-csv.md); bad rows are listed, good rows imported')
  .action(async (file: string) => {
    const c = await createContainer(loadConfig());
    try {
      const result = await importOrganisationsCsv(c.deps, CLI, readFileSync(file));
      console.log(`${result.rowsRead} rows read: ${result.created} organisations created, ${result.updated} updated`);
      for (const e of result.errors)
        for (const x of e.errors) console.error(`row ${e.row}${e.organisation ? ` (${e.organisation})` : ''}: ${x.column}: ${x.message}`);
      process.exitCode = result.errors.length ? 1 : 0;
    } finally {
      await c.close();
    }
  });

importCmd
  .command('registry <file>')
  .description('import registry data for abuse-contact resolution: an RIR bulk export in RPSL (inetnum/inet6num with abuse-c roles) or a delegated statistics file; .gz is read as it is. Replaces the earlier import of the same source')
  .addOption(new Option('--format <format>', 'the file format (guessed when not given)').choices(['rpsl', 'delegated']))
  .option('--source <name>', 'name of this data source (default: the file name)')
  .action(async (file: string, opts: { format?: 'rpsl' | 'delegated'; source?: string }) => {
    await withContainer(async (c) => {
      const started = Date.now();
      const r = await importRegistry(c.deps, CLI, file, opts);
      console.log(`${r.source}: ${r.ranges} ranges (${r.format}), ${r.withAbuseMailbox} with an abuse mailbox, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      for (const p of r.problems) console.error(`  ${p}`);
      if (r.problemCount > r.problems.length) console.error(`  … and ${r.problemCount - r.problems.length} more`);
    });
  });

const exportCmd = program.command('export').description('export data');
exportCmd
  .command('orgs')
  .description('export the directory as CSV (the import format)')
  .option('-o, --out <file>', 'write to a file instead of standard output')
  .action(async (opts: { out?: string }) => {
    const c = await createContainer(loadConfig());
    try {
      const csv = await exportOrganisationsCsv(c.deps, CLI);
      if (opts.out) writeFileSync(opts.out, csv);
      else process.stdout.write(csv);
    } finally {
      await c.close();
    }
  });
exportCmd
  .command('incidents')
  .description('export incidents as JSON lines, newest first')
  .option('-o, --out <file>', 'write to a file instead of standard output')
  .option('--as <email>', 'export what this account may see (TLP, constituency), instead of everything')
  .action(async (opts: { out?: string; as?: string }) => {
    const c = await createContainer(loadConfig());
    try {
      const account = opts.as ? await c.deps.store.accounts.findByEmail(opts.as) : undefined;
      if (opts.as && !account) throw new AppError('NOT_FOUND', `no account ${opts.as}`);
      const actor = account ? actorOf(publicAccountOf(account), null) : CLI;
      const lines: string[] = [];
      for (let offset = 0; ; offset += 500) {
        const page = await listIncidents(c.deps, actor, { includeMerged: true }, { by: 'createdAt', direction: 'desc' }, { limit: 500, offset });
        for (const i of page.items) lines.push(JSON.stringify(i));
        if (page.items.length < 500) break;
      }
      const text = lines.join('\n') + (lines.length ? '\n' : '');
      await c.deps.store.transaction((tx) => audit(tx, actor, 'incident.exported', null, { incidents: lines.length, via: 'cli' }));
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    } finally {
      await c.close();
    }
  });

const reportCmd = program.command('report').description('statistics reports');
reportCmd
  .command('quarterly')
  .description('the quarterly statistics (reports, incidents, coordinated cases, categories per month, phishing sites by brand sector, median time per step; exercises never counted); JSON on standard output unless a file is named')
  .option('--year <year>', 'the year (default: this year in RENKEI_TIME_ZONE)')
  .option('--quarter <quarter>', '1 = Jan–Mar … 4 = Oct–Dec (default: this quarter)')
  .addOption(new Option('--lang <lang>', 'language of the CSV, HTML and PDF').choices(['ja', 'en']).default('ja'))
  .option('--csv <file>', 'write the CSV (UTF-8 with BOM)')
  .option('--html <file>', 'write the printable HTML report')
  .option('--pdf <file>', "write the report as PDF (A4), printed by Debian's Chromium (/usr/bin/chromium or RENKEI_CHROMIUM)")
  .action(async (opts: { year?: string; quarter?: string; lang: 'ja' | 'en'; csv?: string; html?: string; pdf?: string }) => {
    await withContainer(async (c) => {
      const query = { ...(opts.year ? { year: opts.year } : {}), ...(opts.quarter ? { quarter: opts.quarter } : {}) };
      if (!opts.csv && !opts.html && !opts.pdf) {
        process.stdout.write(JSON.stringify(await quarterlyReport(c.deps, CLI, query), null, 2) + '\n');
        return;
      }
      if (opts.csv) {
        const f = await quarterlyReportFile(c.deps, CLI, query, 'csv', opts.lang);
        writeFileSync(opts.csv, f.body);
        console.log(`${opts.csv}: ${f.fileName.replace(/\.csv$/, '')}, ${f.report.reports.total} reports, ${f.report.incidents.total} incidents`);
      }
      if (opts.html || opts.pdf) {
        const f = await quarterlyReportFile(c.deps, CLI, query, 'html', opts.lang);
        if (opts.html) {
          writeFileSync(opts.html, f.body);
          console.log(`${opts.html}: printable report, ${f.report.reports.total} reports, ${f.report.incidents.total} incidents`);
        }
        if (opts.pdf) {
          writeFileSync(opts.pdf, await htmlToPdf(f.body));
          console.log(`${opts.pdf}: PDF, ${f.report.reports.total} reports, ${f.report.incidents.total} incidents`);
        }
      }
    });
  });

const user = program.command('user').description('accounts');
user
  .command('add')
  .description('create an account; prints a random password once unless --password-stdin')
  .requiredOption('--email <email>', 'sign-in e-mail address')
  .requiredOption('--name <name>', 'display name')
  .requiredOption('--role <role...>', `one or more of ${ROLES.join(', ')}`)
  .option('--language <ja|en>', 'language of the UI and mail', 'ja')
  .option('--constituency <key...>', 'limit a handler to these constituencies')
  .option('--organisation <id>', "a partner's organisation id")
  .option('--password-stdin', 'read the password from standard input')
  .action(async (opts: { email: string; name: string; role: string[]; language: 'ja' | 'en'; constituency?: string[]; organisation?: string; passwordStdin?: boolean }) => {
    const password = opts.passwordStdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : undefined;
    await withContainer(async (c) => {
      const result = await createAccount(c.deps, CLI, {
        email: opts.email,
        displayName: opts.name,
        roles: opts.role as Role[],
        language: opts.language,
        constituencies: opts.constituency ?? [],
        organisationId: opts.organisation ?? null,
        ...(password !== undefined ? { password } : {}),
      });
      console.log(`account ${result.account.email} created (${result.account.roles.join(', ')}), id ${result.account.id}`);
      if (result.initialPassword) console.log(`password (shown once): ${result.initialPassword}`);
    });
  });
user
  .command('disable <email>')
  .description('disable an account; its sessions end at once')
  .action(async (email: string) =>
    withContainer(async (c) => {
      const account = await c.deps.store.accounts.findByEmail(email);
      if (!account) throw new AppError('NOT_FOUND', `no account ${email}`);
      await updateAccount(c.deps, CLI, account.id, { isDisabled: true });
      console.log(`account ${email} disabled`);
    }),
  );
user
  .command('reset-password <email>')
  .description('set a new random password (printed once); every session of the account ends')
  .action(async (email: string) =>
    withContainer(async (c) => {
      console.log(`new password for ${email} (shown once): ${await resetPassword(c.deps, CLI, email)}`);
    }),
  );

program
  .command('token')
  .description('API tokens')
  .command('create')
  .description('create an API token for an account and print it once')
  .requiredOption('--user <email>', 'the account the token acts as')
  .requiredOption('--scope <scope...>', `one or more of ${TOKEN_SCOPES.join(', ')}`)
  .option('--name <name>', 'what the token is for', 'automation')
  .option('--expires-days <n>', 'days until it stops working')
  .action(async (opts: { user: string; scope: string[]; name: string; expiresDays?: string }) =>
    withContainer(async (c) => {
      const account = await c.deps.store.accounts.findByEmail(opts.user);
      if (!account) throw new AppError('NOT_FOUND', `no account ${opts.user}`);
      const { token, apiToken } = await createToken(c.deps, CLI, account.id, {
        name: opts.name,
        scopes: opts.scope as TokenScope[],
        ...(opts.expiresDays ? { expiresInDays: Number(opts.expiresDays) } : {}),
      });
      console.log(token);
      console.error(`token ${apiToken.id} for ${opts.user}, scopes ${apiToken.scopes.join(', ')}${apiToken.expiresAt ? `, expires ${apiToken.expiresAt}` : ''}`);
    }),
  );

const keyCmd = program.command('key').description("the team's PGP key (generated on first start)");
keyCmd
  .command('show')
  .description('print the published public key and its fingerprint')
  .action(async () =>
    withContainer(async (c) => {
      const key = c.deps.teamKeys[0]!;
      console.error(`fingerprint ${key.fingerprint} (${key.userIds.join(', ')})`);
      console.log(key.publicKeyArmored);
    }),
  );
keyCmd
  .command('import <file>')
  .description("import the team's existing private key (armored); it becomes the published one, older keys still decrypt")
  .option('--passphrase-stdin', 'read its passphrase from standard input')
  .action(async (file: string, opts: { passphraseStdin?: boolean }) => {
    const config = loadConfig();
    const passphrase = opts.passphraseStdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : undefined;
    const key = await importTeamKeyFile(new KeyFiles(config.dataDir), readFileSync(file, 'utf8'), passphrase);
    console.log(`imported ${key.fingerprint} (${key.userIds.join(', ')}); restart Renkei to publish it`);
  });

const auditCmd = program.command('audit').description('the audit log');
auditCmd
  .command('verify')
  .description('walk the hash chain and name the first broken link')
  .action(async () =>
    withContainer(async (c) => {
      const result = await verifyAudit(c.deps, CLI);
      if (result.ok) console.log(`audit log intact: ${result.events} events, head ${result.head}`);
      else {
        console.error(`audit log BROKEN at position ${result.position} (${result.problem}); ${result.events} events before it are intact`);
        process.exitCode = 3;
      }
    }),
  );

auditCmd
  .command('export')
  .description('the whole audit log as JSON lines, in chain order')
  .option('-o, --out <file>', 'write to a file instead of standard output')
  .action(async (opts: { out?: string }) =>
    withContainer(async (c) => {
      const lines: string[] = [];
      for await (const e of c.deps.store.audit.walk()) lines.push(JSON.stringify(e));
      const text = lines.join('\n') + (lines.length ? '\n' : '');
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    }),
  );

program
  .command('evidence')
  .description('evidence and its chain of custody')
  .command('retention')
  .description('remove the evidence of incidents closed more than RENKEI_EVIDENCE_RETENTION_DAYS (or --days) ago; never under legal hold')
  .option('--days <n>', 'the retention period in days (default: RENKEI_EVIDENCE_RETENTION_DAYS)')
  .option('--dry-run', 'list what would be removed, and what legal hold keeps, without removing anything')
  .action(async (opts: { days?: string; dryRun?: boolean }) =>
    withContainer(async (c) => {
      const days = opts.days === undefined ? undefined : Number(opts.days);
      if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw new AppError('VALIDATION', `--days must be a whole number of days, not ${opts.days}`);
      const r = await runEvidenceRetention(c.deps, CLI, { days: days ?? null, dryRun: opts.dryRun ?? false });
      if (!r.enabled) {
        console.log('evidence retention is off: set RENKEI_EVIDENCE_RETENTION_DAYS or pass --days');
        return;
      }
      for (const x of r.removed) console.log(`${r.dryRun ? 'would remove' : 'removed'}  ${x.incident}  ${x.kind}  ${x.sha256}  ${x.filename ?? ''}  (${x.file})`);
      for (const x of r.held) console.log(`held        ${x.incident}  ${x.itemId}  (legal hold)`);
      console.log(`${r.dryRun ? 'dry run: ' : ''}${r.removed.length} items ${r.dryRun ? 'due' : 'removed'}, ${r.held.length} kept under legal hold, ${r.filesDeleted} files deleted; incidents closed before ${r.closedBefore}`);
    }),
  );

const spoolCmd = program
  .command('spool')
  .description('inbound mail acknowledged (250) and not yet recorded as a report: counts, the mails held for an operator and those waiting to be tried again, with why')
  .option('--raw <id>', "write a spooled mail's bytes to standard output")
  .action(async (opts: { raw?: string }) =>
    withContainer(async (c) => {
      if (opts.raw) {
        process.stdout.write(await spooledMailRaw(c.deps, CLI, opts.raw));
        return;
      }
      const n = await spoolCounts(c.deps, CLI);
      console.log(`${n.waiting} waiting to be recorded${n.oldestReceivedAt ? ` (oldest received ${n.oldestReceivedAt})` : ''}, ${n.held} held`);
      // Every troubled mail, a page at a time.
      let after: string | null = null;
      do {
        const page = await troubledMails(c.deps, CLI, { limit: 500, ...(after ? { after } : {}) });
        for (const m of page.items) {
          const state = m.held ? `held (${m.heldReason})` : `retry (attempt ${m.attempts}, next at ${m.nextAttemptAt})`;
          console.log(`${state} ${m.id}  received ${m.receivedAt}  ${m.size} bytes  from ${m.mailFrom ?? '<>'}  — ${m.lastError ?? ''}`);
        }
        after = page.next;
      } while (after);
    }),
  );
spoolCmd
  .command('release [id]')
  .description('try a held mail again (after mending what kept it from becoming a report); --all: every held mail')
  .option('--all', 'every held mail')
  .action(async (id: string | undefined, opts: { all?: boolean }) =>
    withContainer(async (c) => {
      if (Boolean(opts.all) === (id !== undefined)) throw new ConfigError(['name one held mail, or --all (not both)']);
      if (id !== undefined) await releaseHeldMail(c.deps, CLI, id);
      const n = id === undefined ? await releaseAllHeldMail(c.deps, CLI) : 1;
      console.log(`released ${id ?? `${n} held mail${n === 1 ? '' : 's'}`}: the SMTP process records ${n === 1 ? 'it' : 'them'} at its next look (within a second)`);
    }),
  );

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof ConfigError) console.error(err.message);
  else if (err instanceof AppError)
    console.error(`${err.code}: ${err.message}${err.details?.issues ? '\n' + err.details.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n') : ''}`);
  else console.error(err);
  process.exitCode = 1;
}
