import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/database.js';

/** A database of its own, at no migration: in-memory SQLite, or a new PostgreSQL database when DATABASE_URL is set. For migration tests. */
export async function emptyDatabase(): Promise<{ database: Database; drop: () => Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const database = openDatabase({ sqliteFile: ':memory:' });
    return { database, drop: () => database.close() };
  }
  const name = `renkei_t_${randomBytes(6).toString('hex')}`;
  const admin = async (q: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(q);
    await client.end();
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = openDatabase({ databaseUrl: url.toString() });
  return { database, drop: async () => (await database.close(), await admin(`drop database if exists ${name} with (force)`)) };
}
