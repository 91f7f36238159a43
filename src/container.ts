import type { Config } from './config.js';
import { DEFAULT_THROTTLE } from './services/auth/throttle.js';
import { DirectoryIndex } from './services/directory-index.js';
import { RegistryIndex } from './services/registry-index.js';
import type { ServiceDeps } from './services/deps.js';
import { openDatabase, type Database } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';
import { createStore } from './store/store.js';
import { EvidenceFiles } from './store/evidence-files.js';
import { KeyFiles } from './store/key-files.js';
import { loadTeamKeys } from './services/team-key.service.js';
import type { MailTransport } from './services/deps.js';
import { smtpRelay } from './channels/smtp-relay.js';
import { fetchAsProfile, limitConcurrency, type Resolver } from './channels/web-fetch.js';
import { FetchPolicy } from './domain/fetch-policy.js';
import type { FetchProfile } from './domain/liveness.js';
import { businessCalendar } from './domain/business-calendar.js';
import { loadSlaPolicies } from './services/sla.service.js';
import { JobRunner, type RunnerOptions } from './jobs/runner.js';
import { JOB_HANDLERS } from './jobs/handlers.js';
import { inboundMailPool } from './services/inbound-mail-pool.js';

/**
 * The composition root: the only place that knows every layer. It opens the
 * database, applies migrations and wires the use cases' dependencies.
 */
export interface Container {
  database: Database;
  deps: ServiceDeps;
  /** Start this process's worker on the durable job queue (outbound mail, reminders). */
  startJobs(options?: RunnerOptions): JobRunner;
  /** A runner for this container that is not started: tests call `runDue()` on it. */
  jobRunner(options?: RunnerOptions): JobRunner;
  close(): Promise<void>;
}

export async function createContainer(
  config: Pick<Config, 'dataDir' | 'databaseUrl' | 'incidentPrefix' | 'timeZone'> &
    Partial<Pick<Config, 'sessionIdleMinutes' | 'sessionMaxHours' | 'teamEmail' | 'teamName' | 'oncallEmail' | 'publicUrl' | 'smtpRelay' | 'smtpRelayTimeoutSeconds' | 'httpHost' | 'httpPort' | 'autoAcknowledge' | 'fetchAllow' | 'fetchMaxBytes' | 'fetchTimeoutSeconds' | 'fetchConcurrency' | 'parseWorkers' | 'officeHours' | 'closedDays' | 'slaPolicies' | 'formPowBits' | 'country' | 'publicStatus' | 'evidenceRetentionDays'>> & {
      sqliteFile?: string;
    },
  options: { migrate?: boolean; clock?: () => Date; mailer?: MailTransport; resolve?: Resolver; onConnectionError?: (err: Error) => void } = {},
): Promise<Container> {
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, sqliteFile: config.sqliteFile, ...(options.onConnectionError ? { onConnectionError: options.onConnectionError } : {}) });
  try {
    if (options.migrate !== false) {
      await migrateToLatest(database);
      // Migrations commit as every transaction does (database.ts CommitSync): on disk before anything else.
      await database.commitSync?.flushed();
    }
  } catch (err) {
    await database.close();
    throw err;
  }
  const clock = options.clock ?? (() => new Date());
  const teamEmail = config.teamEmail ?? 'report@renkei.invalid';
  const teamName = config.teamName ?? 'Renkei CSIRT';
  let wake = () => {};
  const fetchPolicy = new FetchPolicy(config.fetchAllow ?? []);
  const evidence = new EvidenceFiles(config.dataDir);
  const deps: ServiceDeps = {
    store: createStore(database.db, database.dialect, clock, database.commitSync),
    clock,
    settings: {
      incidentPrefix: config.incidentPrefix,
      timeZone: config.timeZone,
      auth: {
        sessionIdleMinutes: config.sessionIdleMinutes ?? 60,
        sessionMaxHours: config.sessionMaxHours ?? 12,
        throttle: DEFAULT_THROTTLE,
      },
      team: {
        name: teamName,
        email: teamEmail,
        mailDomain: teamEmail.split('@')[1]!,
        oncallEmail: config.oncallEmail ?? null,
        publicUrl: (config.publicUrl ?? `http://${config.httpHost ?? '127.0.0.1'}:${config.httpPort ?? 8080}`).replace(/\/+$/, ''),
      },
      intake: { autoAcknowledge: config.autoAcknowledge ?? true, formPowBits: config.formPowBits ?? 14 },
      evidence: { retentionDays: config.evidenceRetentionDays || null },
      statistics: { country: config.country ?? 'JP', publicStatus: config.publicStatus ?? false },
      sla: {
        policies: loadSlaPolicies(config.slaPolicies),
        calendar: businessCalendar({ timeZone: config.timeZone, hours: config.officeHours ?? 'Mon-Fri 09:00-18:00', closedDays: config.closedDays ?? [] }),
      },
    },
    directoryIndex: new DirectoryIndex(),
    registryIndex: new RegistryIndex(),
    evidence,
    teamKeys: await loadTeamKeys(new KeyFiles(config.dataDir), { name: teamName, email: teamEmail }),
    mailer: options.mailer ?? smtpRelay(config.smtpRelay, config.smtpRelayTimeoutSeconds),
    wakeJobs: () => wake(),
    // Only processes that take in mail start threads for it (tests and tools that build a container need none).
    ...(config.parseWorkers ? { mailReader: inboundMailPool(config.parseWorkers, evidence, (err) => process.emitWarning(`a mail reader thread failed (${String(err)}); the mail was read in the main thread`)) } : {}),
    fetchSite: limitConcurrency(
      (url: string, profile: FetchProfile) =>
        fetchAsProfile(url, profile, {
          policy: fetchPolicy,
          ...(options.resolve ? { resolve: options.resolve } : {}),
          maxBytes: config.fetchMaxBytes ?? 2 * 1024 * 1024,
          timeoutMs: (config.fetchTimeoutSeconds ?? 10) * 1000,
        }),
      config.fetchConcurrency ?? 32,
    ),
  };
  const runners: JobRunner[] = [];
  return {
    database,
    deps,
    jobRunner: (runnerOptions) => new JobRunner(deps, JOB_HANDLERS, runnerOptions),
    startJobs(runnerOptions) {
      const runner = new JobRunner(deps, JOB_HANDLERS, runnerOptions);
      runners.push(runner);
      wake = () => runners.forEach((r) => r.wake());
      runner.start();
      return runner;
    },
    async close() {
      await Promise.all(runners.map((r) => r.stop()));
      await deps.mailReader?.close();
      await database.close();
    },
  };
}
