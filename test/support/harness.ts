import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createContainer, type Container } from '../../src/container.js';
import type { Resolver } from '../../src/channels/web-fetch.js';
import { systemActor, type Actor, type Role } from '../../src/domain/actor.js';
import { createAccount } from '../../src/services/auth/account.service.js';
import { actorOf } from '../../src/services/auth/session.service.js';
import { createToken } from '../../src/services/auth/token.service.js';

/**
 * A fresh, migrated database for one test file: in-memory SQLite by default,
 * or a new PostgreSQL database when DATABASE_URL is set (dropped afterwards).
 * The same suites run on both; `.ci/run` runs them once per database.
 */
export interface Harness extends Container {
  dialect: 'sqlite' | 'postgres';
  /** A lead and handler of the team, with an account. */
  actor: Actor;
  /** Make an account with these roles and return its actor (and an API token with `write` scope). */
  user(roles: Role[], extra?: { constituencies?: string[]; organisationId?: string | null; email?: string }): Promise<{ actor: Actor; token: string }>;
  /** Run every background job due now (outbound mail, reminders), as a worker would; returns how many ran. */
  runJobs(): Promise<number>;
  /** Move the fake clock forward. */
  advance(ms: number): void;
  now(): Date;
}

export const onPostgres = (): boolean => Boolean(process.env.DATABASE_URL);

export async function createHarness(
  options: { start?: string; relay?: string; relayTimeoutSeconds?: number; fetchAllow?: string[]; fetchMaxBytes?: number; resolve?: Resolver } = {},
): Promise<Harness> {
  let time = new Date(options.start ?? '2026-11-25T14:40:00.000Z').getTime();
  // Every reading moves 1 ms, so entries written in one test keep their order.
  const clock = () => new Date(time++);
  const adminUrl = process.env.DATABASE_URL;
  let dbName: string | undefined;
  let databaseUrl: string | undefined;
  if (adminUrl) {
    dbName = `renkei_t_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`create database ${dbName}`);
    await client.end();
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'renkei-test-'));
  const container = await createContainer(
    {
      dataDir,
      databaseUrl,
      sqliteFile: ':memory:',
      incidentPrefix: 'RK',
      timeZone: 'Asia/Tokyo',
      teamEmail: 'csirt@team.example',
      teamName: 'Renkei Test CSIRT',
      smtpRelay: options.relay,
      smtpRelayTimeoutSeconds: options.relayTimeoutSeconds ?? 5,
      fetchAllow: options.fetchAllow ?? [],
      fetchMaxBytes: options.fetchMaxBytes ?? 2 * 1024 * 1024,
      fetchTimeoutSeconds: 3,
    },
    { clock, ...(options.resolve ? { resolve: options.resolve } : {}) },
  );
  let n = 0;
  const system = systemActor('test');
  const user: Harness['user'] = async (roles, extra = {}) => {
    const { account } = await createAccount(container.deps, { ...system, roles: ['administrator'] }, {
      email: extra.email ?? `user${++n}-${roles.join('-')}@team.example`,
      displayName: `Test ${roles.join('/')} ${n}`,
      roles,
      constituencies: extra.constituencies ?? [],
      organisationId: extra.organisationId ?? null,
      password: 'correct horse battery staple',
    });
    const { token } = await createToken(container.deps, system, account.id, { name: 'test', scopes: ['write'] });
    return { actor: actorOf(account, '127.0.0.1'), token };
  };
  const main = await user(['lead', 'handler'], { email: 'handler@team.example' });
  return {
    ...container,
    dialect: container.database.dialect,
    actor: main.actor,
    user,
    runJobs: () => container.jobRunner().runDue(),
    advance: (ms) => void (time += ms),
    now: () => new Date(time),
    close: async () => {
      await container.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (adminUrl && dbName) {
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        await client.query(`drop database if exists ${dbName} with (force)`);
        await client.end();
      }
    },
  };
}

export const intakeActor = systemActor('intake');
