#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { createContainer } from '../container.js';
import { AppError } from '../domain/errors.js';
import { LOCAL_OPERATOR } from '../http/auth.js';
import { listIncidents } from '../services/incident.service.js';
import { exportOrganisationsCsv, importOrganisationsCsv } from '../services/organisation.service.js';
import { serve } from './serve.js';

/**
 * The `renkei` command. Each subcommand calls the same use cases as the API,
 * as the local operator (accounts arrive with issue 3).
 */
const program = new Command('renkei').description('Renkei (連携) — incident coordination for CSIRTs').showHelpAfterError();

program
  .command('serve')
  .description('run the API (and, as they land, the SMTP listener and workers) in one process')
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
      const result = await importOrganisationsCsv(c.deps, LOCAL_OPERATOR, readFileSync(file));
      console.log(`${result.rowsRead} rows read: ${result.created} organisations created, ${result.updated} updated`);
      for (const e of result.errors)
        for (const x of e.errors) console.error(`row ${e.row}${e.organisation ? ` (${e.organisation})` : ''}: ${x.column}: ${x.message}`);
      process.exitCode = result.errors.length ? 1 : 0;
    } finally {
      await c.close();
    }
  });

const exportCmd = program.command('export').description('export data');
exportCmd
  .command('orgs')
  .description('export the directory as CSV (the import format)')
  .option('-o, --out <file>', 'write to a file instead of standard output')
  .action(async (opts: { out?: string }) => {
    const c = await createContainer(loadConfig());
    try {
      const csv = await exportOrganisationsCsv(c.deps, LOCAL_OPERATOR);
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
  .action(async (opts: { out?: string }) => {
    const c = await createContainer(loadConfig());
    try {
      const lines: string[] = [];
      for (let offset = 0; ; offset += 500) {
        const page = await listIncidents(c.deps, LOCAL_OPERATOR, { includeMerged: true }, { by: 'createdAt', direction: 'desc' }, { limit: 500, offset });
        for (const i of page.items) lines.push(JSON.stringify(i));
        if (offset + 500 >= page.total) break;
      }
      const text = lines.join('\n') + (lines.length ? '\n' : '');
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    } finally {
      await c.close();
    }
  });

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof ConfigError) console.error(err.message);
  else if (err instanceof AppError) console.error(`${err.code}: ${err.message}`);
  else console.error(err);
  process.exitCode = 1;
}
