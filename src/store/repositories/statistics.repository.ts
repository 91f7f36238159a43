import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DialectName } from '../database.js';
import type { DB } from '../schema.js';
import type { Period, PublicCounts, QuarterPeriod, QuarterlyCounts, Step, StepFigure } from '../../domain/statistics.js';

/**
 * The statistics' counts, grouped in the database (a few aggregate queries
 * per section; no row is loaded into memory), written once for SQLite and
 * PostgreSQL alike: timestamps are ISO-8601 UTC text on both, so a period is
 * a string range and a month is a `case` over its boundaries.
 *
 * What counts (domain/statistics.ts COUNTING_RULES):
 * - an incident counts when it is not an exercise, not merged into another
 *   (the target counts, once) and not rejected;
 * - a report counts unless it was rejected as spam or sits on an exercise incident;
 * - the seed steps' start and end are those of the SLA clocks
 *   (services/sla.service.ts `clockFacts`): triage = reported → incident
 *   created; first notification = created → first `coordination.sent`;
 *   containment = created → first takedown down or first resolved / closed;
 *   resolution = created → first resolved / closed. Calendar time, waiting included.
 *
 * Speed (bench/statistics.bench.ts: 1,000,000 reports, 200,000 incidents):
 * the indexes of migration 0010 are shaped for these queries — reports and
 * incidents grouped in index order from covering indexes, and the first
 * entry of each kind per incident from partial indexes whose predicates are
 * the `SENT`, `DOWN` and `RESOLVED` conditions below (and `sent` for
 * coordinations), word for word: the planners match them textually, so
 * change one only together with a new index.
 * On PostgreSQL the queries run in three lanes at once, on connections
 * sharing one repeatable-read snapshot, without JIT (whose compilation costs
 * more than these queries do).
 */
export function createStatisticsRepository(db: Kysely<DB>, dialect: DialectName) {
  const counted = (alias: string) => sql.raw(`${alias}.exercise = 0 and ${alias}.merged_into is null and ${alias}.status <> 'rejected'`);
  /** Whole seconds from one ISO text expression to another. */
  const seconds = (from: string, to: string) =>
    dialect === 'postgres'
      ? sql.raw(`round(date_part('epoch', ${to}::timestamptz - ${from}::timestamptz))`)
      : sql.raw(`round((julianday(${to}) - julianday(${from})) * 86400)`);
  /** A string inside a JSON text column (timeline changes); the same text as in the partial indexes of 0010. */
  const json = (path: [string, string]) => (dialect === 'postgres' ? `(changes::json #>> '{${path[0]},${path[1]}}')` : `json_extract(changes, '$.${path[0]}.${path[1]}')`);
  const SENT = sql.raw(`action = 'coordination.sent'`);
  const DOWN = sql.raw(`action = 'takedown.state' and ${json(['state', 'after'])} = 'down'`);
  const RESOLVED = sql.raw(`action = 'incident.status' and ${json(['status', 'after'])} in ('resolved', 'closed')`);
  const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
  const notSpam = sql.raw(`(r.reject_reason is null or r.reject_reason <> 'spam')`);
  /** Per month of the quarter, as `sum(case …)` columns m0, m1, m2 (grouping stays in index order). */
  const monthSums = (column: string, p: QuarterPeriod) => {
    const c = sql.raw(column);
    const [, m1, m2] = p.months;
    return sql`sum(case when ${c} < ${m1!.from} then 1 else 0 end) as m0,
      sum(case when ${c} >= ${m1!.from} and ${c} < ${m2!.from} then 1 else 0 end) as m1,
      sum(case when ${c} >= ${m2!.from} then 1 else 0 end) as m2`;
  };
  type MonthRow = { m0: number | string | null; m1: number | string | null; m2: number | string | null };
  const months = <R extends MonthRow>(r: R) => [num(r.m0), num(r.m1), num(r.m2)] as const;

  const settings = async (q: Kysely<DB>) => {
    await sql`set local jit = off`.execute(q);
    await sql`set local work_mem = '64MB'`.execute(q);
  };
  /** Several read queries as one: on PostgreSQL one snapshot, no JIT, room to sort and hash in memory. */
  async function reading<T>(fn: (q: Kysely<DB>) => Promise<T>): Promise<T> {
    if (dialect !== 'postgres' || db.isTransaction) return fn(db);
    return db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (tx) => {
        await settings(tx);
        return fn(tx);
      });
  }

  /**
   * Independent read queries in lanes. SQLite (one connection) runs them one
   * after the other. PostgreSQL runs each lane on a connection of its own, at
   * once, every lane in the same snapshot: the first lane's transaction exports
   * it (`pg_export_snapshot`) and the others import it before their first
   * query — figures as consistent as one transaction's, in the time of the
   * slowest lane.
   */
  async function lanes(work: ((q: Kysely<DB>) => Promise<void>)[][]): Promise<void> {
    if (dialect !== 'postgres' || db.isTransaction) {
      for (const lane of work) for (const job of lane) await job(db);
      return;
    }
    const run = async (q: Kysely<DB>, lane: ((q: Kysely<DB>) => Promise<void>)[]) => {
      for (const job of lane) await job(q);
    };
    await db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (leader) => {
        const { rows } = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(leader);
        const snapshot = rows[0]!.id;
        if (!/^[0-9A-F-]+$/i.test(snapshot)) throw new Error(`unexpected snapshot id ${snapshot}`);
        await settings(leader);
        const others = work.slice(1).map((lane) =>
          db
            .transaction()
            .setIsolationLevel('repeatable read')
            .execute(async (tx) => {
              await sql`set transaction snapshot ${sql.lit(snapshot)}`.execute(tx);
              await settings(tx);
              await run(tx, lane);
            }),
        );
        // Every lane is awaited (none left running on a closed snapshot); the first failure is reported.
        const results = await Promise.allSettled([run(leader, work[0] ?? []), ...others]);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      });
  }

  /**
   * The median (and count) of a durations sub-select `select … as s`, computed in the database: the middle
   * value, or the mean of the two middle values — PostgreSQL's `percentile_cont(0.5)`, and the same by row
   * numbers on SQLite, which has no percentile function.
   */
  async function medianOf(q: Kysely<DB>, durations: RawBuilder<unknown>): Promise<StepFigure> {
    const { rows } =
      dialect === 'postgres'
        ? await sql<{ n: number | string | null; median: number | string | null }>`
            with d as (${durations}) select count(*) as n, percentile_cont(0.5) within group (order by s) as median from d`.execute(q)
        : await sql<{ n: number | string | null; median: number | string | null }>`
            with d as (${durations}),
            r as (select s, row_number() over (order by s) as rn, count(*) over () as n from d)
            select max(n) as n, avg(s) as median from r where rn in ((n + 1) / 2, (n + 2) / 2)`.execute(q);
    const row = rows[0];
    const n = num(row?.n);
    return { count: n, medianSeconds: n === 0 || row?.median === null || row?.median === undefined ? null : Math.round(Number(row.median)) };
  }

  /** Per incident, the first timeline entry matching `entries` (one or more partial-index conditions), when it falls in the period. */
  const firstIn = (entries: RawBuilder<unknown>[], p: Period) => sql`
    select x.incident_id, min(x.at) as at
    from (${sql.join(
      entries.map((e) => sql`select incident_id, at from timeline_entry where ${e}`),
      sql` union all `,
    )}) x
    where x.incident_id is not null
    group by x.incident_id
    having min(x.at) >= ${p.from} and min(x.at) < ${p.to}`;
  const stepEndingIn = (entries: RawBuilder<unknown>[], p: Period) => sql`
    select ${seconds('i.created_at', 'f.at')} as s
    from (${firstIn(entries, p)}) f join incident i on i.id = f.incident_id
    where ${counted('i')}`;

  return {
    async quarterly(p: QuarterPeriod): Promise<QuarterlyCounts> {
      const inQuarter = (column: string) => sql`${sql.raw(column)} >= ${p.from} and ${sql.raw(column)} < ${p.to}`;
      type ReportRow = MonthRow & { channel: string; country: string | null };
      let reports: ReportRow[] = [];
      let exercise: ReportRow[] = [];
      let incidents: (MonthRow & { category: string })[] = [];
      let coordinated = 0;
      let phishing: { sector: string | null; origin: string | null; n: number | string }[] = [];
      const steps = {} as Record<Step, StepFigure>;
      // Triage starts when the first report arrived (the incident's reported-at), or at creation when none is earlier.
      const reportedStart = `(case when i.reported_at is not null and i.reported_at < i.created_at then i.reported_at else i.created_at end)`;
      // Coordinated: a coordination sent to an outside party (not a reporter update), by the incident or by one merged into it.
      const sent = sql.raw(`c.last_sent_at is not null and c.purpose <> 'reporter-update'`); // the partial index coordination_sent

      // Three lanes of about equal cost (bench/statistics.bench.ts), run at once on PostgreSQL.
      await lanes([
        [
          async (q) => {
            reports = (
              await sql<ReportRow>`
                select r.channel as channel, r.reporter_country as country, ${monthSums('r.received_at', p)}
                from report r
                where ${inQuarter('r.received_at')} and ${notSpam}
                group by r.channel, r.reporter_country`.execute(q)
            ).rows;
          },
          // Reports on exercise incidents (few), taken off the counts above rather than tested on every report.
          async (q) => {
            exercise = (
              await sql<ReportRow>`
                select r.channel as channel, r.reporter_country as country, ${monthSums('r.received_at', p)}
                from incident x join report r on r.incident_id = x.id
                where x.exercise = 1 and ${inQuarter('r.received_at')} and ${notSpam}
                group by r.channel, r.reporter_country`.execute(q)
            ).rows;
          },
          async (q) => {
            incidents = (
              await sql<MonthRow & { category: string }>`
                select i.category as category, ${monthSums('i.created_at', p)}
                from incident i
                where ${inQuarter('i.created_at')} and ${counted('i')}
                group by i.category`.execute(q)
            ).rows;
          },
          async (q) => {
            steps.resolution = await medianOf(q, stepEndingIn([RESOLVED], p));
          },
        ],
        [
          async (q) => {
            const { rows } = await sql<{ n: number | string }>`
              select count(*) as n from incident i
              where ${inQuarter('i.created_at')} and ${counted('i')}
                and (exists (select 1 from coordination c where c.incident_id = i.id and ${sent})
                  or exists (select 1 from incident m join coordination c on c.incident_id = m.id where m.merged_into = i.id and ${sent}))`.execute(q);
            coordinated = num(rows[0]?.n);
          },
          // Sites are URLs: one tracked in two incidents (or in a merged one and its target) is one site.
          async (q) => {
            phishing = (
              await sql<{ sector: string | null; origin: string | null; n: number | string }>`
                select x.sector as sector, x.origin as origin, count(*) as n
                from (
                  select distinct i.brand_sector as sector, i.brand_origin as origin, t.url as url
                  from takedown t join incident i on i.id = t.incident_id
                  where ${inQuarter('t.reported_at')} and i.category = 'phishing' and i.exercise = 0 and i.status <> 'rejected'
                ) x
                group by x.sector, x.origin`.execute(q)
            ).rows;
          },
          async (q) => {
            steps.triage = await medianOf(
              q,
              sql`select ${seconds(reportedStart, 'i.created_at')} as s from incident i where ${inQuarter('i.created_at')} and ${counted('i')}`,
            );
          },
        ],
        [
          async (q) => {
            steps['first-notification'] = await medianOf(q, stepEndingIn([SENT], p));
          },
          async (q) => {
            steps.containment = await medianOf(q, stepEndingIn([DOWN, RESOLVED], p));
          },
        ],
      ]);

      const monthRows = <R extends MonthRow>(rows: R[], sign: number) =>
        rows.flatMap((r) => months(r).map((n, month) => ({ r, month, n: sign * n }))).filter((x) => x.n !== 0);
      return {
        reports: [...monthRows(reports, 1), ...monthRows(exercise, -1)].map(({ r, month, n }) => ({ channel: r.channel, country: r.country, month, n })),
        incidents: monthRows(incidents, 1).map(({ r, month, n }) => ({ category: r.category, month, n })),
        coordinated,
        phishing: phishing.map((r) => ({ sector: r.sector, origin: r.origin, n: num(r.n) })),
        steps: { triage: steps.triage, 'first-notification': steps['first-notification'], containment: steps.containment, resolution: steps.resolution },
      };
    },

    /** The public page's counts: reports per week (oldest first), incidents being handled, phishing sites still being coordinated. */
    async publicCounts(weeks: Period[]): Promise<PublicCounts> {
      return reading(async (q) => {
        const first = weeks[0]!;
        const last = weeks[weeks.length - 1]!;
        const weekSums = sql.join(
          weeks.map((w, i) => sql`sum(case when r.received_at >= ${w.from} and r.received_at < ${w.to} then 1 else 0 end) as ${sql.ref(`w${i}`)}`),
          sql`, `,
        );
        const range = sql`r.received_at >= ${first.from} and r.received_at < ${last.to} and ${notSpam}`;
        type WeekRow = Record<string, number | string | null> & { country: string | null };
        const reports = await sql<WeekRow>`
          select r.reporter_country as country, ${weekSums} from report r where ${range} group by r.reporter_country`.execute(q);
        const exercise = await sql<WeekRow>`
          select r.reporter_country as country, ${weekSums}
          from incident x join report r on r.incident_id = x.id
          where x.exercise = 1 and ${range}
          group by r.reporter_country`.execute(q);
        const incidents = await sql<{ category: string; n: number | string }>`
          select i.category as category, count(*) as n from incident i
          where i.status in ('new', 'open', 'waiting') and ${counted('i')}
          group by i.category`.execute(q);
        const phishing = await sql<{ sector: string | null; n: number | string }>`
          select x.sector as sector, count(*) as n
          from (
            select distinct i.brand_sector as sector, t.url as url
            from takedown t join incident i on i.id = t.incident_id
            where t.state in ('reported', 'requested', 'acknowledged', 'relapsed')
              and i.category = 'phishing' and i.status in ('new', 'open', 'waiting') and ${counted('i')}
          ) x
          group by x.sector`.execute(q);
        const weekRows = (rows: WeekRow[], sign: number) => rows.flatMap((r) => weeks.map((_, week) => ({ week, country: r.country, n: sign * num(r[`w${week}`]) })));
        return {
          reports: [...weekRows(reports.rows, 1), ...weekRows(exercise.rows, -1)].filter((r) => r.n !== 0),
          incidents: incidents.rows.map((r) => ({ category: r.category, n: num(r.n) })),
          phishing: phishing.rows.map((r) => ({ sector: r.sector, n: num(r.n) })),
        };
      });
    },
  };
}
export type StatisticsRepository = ReturnType<typeof createStatisticsRepository>;
