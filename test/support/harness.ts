import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createContainer, type Container } from '../../src/container.js';
import { systemActor, type Actor } from '../../src/domain/actor.js';
import { LOCAL_OPERATOR } from '../../src/http/auth.js';

/**
 * A fresh, migrated database for one test file: in-memory SQLite by default,
 * or a new PostgreSQL database when DATABASE_URL is set (dropped afterwards).
 * The same suites run on both; `.ci/run` runs them once per database.
 */
export interface Harness extends Container {
  dialect: 'sqlite' | 'postgres';
  actor: Actor;
  /** Move the fake clock forward. */
  advance(ms: number): void;
  now(): Date;
}

export const onPostgres = (): boolean => Boolean(process.env.DATABASE_URL);

export async function createHarness(options: { start?: string } = {}): Promise<Harness> {
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
  const container = await createContainer(
    { dataDir: '/nonexistent', databaseUrl, sqliteFile: ':memory:', incidentPrefix: 'RK', timeZone: 'Asia/Tokyo' },
    { clock },
  );
  return {
    ...container,
    dialect: container.database.dialect,
    actor: LOCAL_OPERATOR,
    advance: (ms) => void (time += ms),
    now: () => new Date(time),
    close: async () => {
      await container.close();
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
