import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, DecisionGateTable, EscalationRuleTable, TaskTable } from '../schema.js';

export type TaskRow = Selectable<TaskTable>;
export type RuleRow = Selectable<EscalationRuleTable>;
export type GateRow = Selectable<DecisionGateTable>;

/** Playbooks and incidents' tasks; escalation rules, their firings and the decisions they ask for. */
export function createSteeringRepository(db: Kysely<DB>) {
  return {
    async latestPlaybook(category: string): Promise<{ version: number; definition: string; updated_by: string; updated_at: string } | undefined> {
      return db
        .selectFrom('playbook')
        .select(['version', 'definition', 'updated_by', 'updated_at'])
        .where('category', '=', category)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
    },
    async playbookVersions(category: string): Promise<{ version: number; updated_by: string; updated_at: string }[]> {
      return db.selectFrom('playbook').select(['version', 'updated_by', 'updated_at']).where('category', '=', category).orderBy('version', 'desc').execute();
    },
    async insertPlaybook(row: { category: string; version: number; definition: string; updated_by: string; updated_at: string }): Promise<void> {
      await db.insertInto('playbook').values(row).execute();
    },

    async tasks(incidentId: string): Promise<TaskRow[]> {
      return db.selectFrom('task').selectAll().where('incident_id', '=', incidentId).orderBy('position').orderBy('created_at').execute();
    },
    async task(id: string): Promise<TaskRow | undefined> {
      return db.selectFrom('task').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async taskKeys(incidentId: string): Promise<Set<string>> {
      const rows = await db.selectFrom('task').select('task_key').where('incident_id', '=', incidentId).where('task_key', 'is not', null).execute();
      return new Set(rows.map((r) => r.task_key!));
    },
    async nextTaskPosition(incidentId: string): Promise<number> {
      const row = await db.selectFrom('task').select(sql<number>`coalesce(max(position), 0)`.as('p')).where('incident_id', '=', incidentId).executeTakeFirst();
      return Number(row?.p ?? 0) + 1;
    },
    async insertTasks(rows: TaskRow[]): Promise<void> {
      if (rows.length) await db.insertInto('task').values(rows).execute();
    },
    /** Optimistic: false when someone changed the task since `expectedVersion`. */
    async updateTask(id: string, expectedVersion: number, patch: Partial<TaskRow>): Promise<boolean> {
      const r = await db
        .updateTable('task')
        .set({ ...patch, version: expectedVersion + 1 })
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async openMandatoryTasks(incidentId: string): Promise<TaskRow[]> {
      return db.selectFrom('task').selectAll().where('incident_id', '=', incidentId).where('mandatory', '=', 1).where('state', '=', 'open').orderBy('position').execute();
    },
    /** Move tasks with a merged incident (keys already on the target stay behind, as not needed). */
    async moveTasks(fromIncident: string, toIncident: string): Promise<void> {
      await db.updateTable('task').set({ incident_id: toIncident }).where('incident_id', '=', fromIncident).execute();
    },

    /** The incident's observable values, lower-cased (what watch-lists are checked against). */
    async observableValues(incidentId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('incident_observable')
        .innerJoin('observable', 'observable.id', 'incident_observable.observable_id')
        .select('observable.value')
        .where('incident_observable.incident_id', '=', incidentId)
        .execute();
      return rows.map((r) => r.value.toLowerCase());
    },

    async reportCount(incidentId: string): Promise<number> {
      const row = await db.selectFrom('report').select((eb) => eb.fn.countAll<number>().as('n')).where('incident_id', '=', incidentId).executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async rules(includeDeleted = false): Promise<RuleRow[]> {
      return db
        .selectFrom('escalation_rule')
        .selectAll()
        .$if(!includeDeleted, (q) => q.where('deleted_at', 'is', null))
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },
    async rule(id: string): Promise<RuleRow | undefined> {
      return db.selectFrom('escalation_rule').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async insertRule(row: RuleRow): Promise<void> {
      await db.insertInto('escalation_rule').values(row).execute();
      await this.bumpRuleVersion();
    },
    async updateRule(id: string, expectedVersion: number, patch: Partial<RuleRow>): Promise<boolean> {
      const r = await db.updateTable('escalation_rule').set(patch).where('id', '=', id).where('version', '=', expectedVersion).executeTakeFirst();
      await this.bumpRuleVersion();
      return Number(r.numUpdatedRows) === 1;
    },
    async ruleVersion(): Promise<number> {
      const row = await db.selectFrom('rule_version').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
      return Number(row.version);
    },
    async bumpRuleVersion(): Promise<void> {
      await db.updateTable('rule_version').set({ version: sql`version + 1` }).where('id', '=', 1).execute();
    },

    /** Record a firing; false when this rule already fired for this incident and cause (then nothing is done again). */
    async recordFiring(row: { rule_id: string; incident_id: string; cause: string; rule_version: number; fired_at: string; actions: string }): Promise<boolean> {
      const r = await db.insertInto('rule_firing').values(row).onConflict((oc) => oc.columns(['rule_id', 'incident_id', 'cause']).doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async firings(incidentId: string): Promise<{ rule_id: string; cause: string; rule_version: number; fired_at: string; actions: string }[]> {
      return db.selectFrom('rule_firing').select(['rule_id', 'cause', 'rule_version', 'fired_at', 'actions']).where('incident_id', '=', incidentId).orderBy('fired_at').execute();
    },

    /** The incident's decision gates, each with the display name of the lead who decided (the account table joined; one query). */
    async gates(incidentId: string): Promise<(GateRow & { decided_by_name: string | null })[]> {
      return db
        .selectFrom('decision_gate')
        .leftJoin('account', 'account.id', 'decision_gate.decided_by')
        .selectAll('decision_gate')
        .select('account.display_name as decided_by_name')
        .where('decision_gate.incident_id', '=', incidentId)
        .orderBy('decision_gate.required_at')
        .execute();
    },
    async requireGate(row: { incident_id: string; before_action: string; rule_id: string | null; required_at: string }): Promise<boolean> {
      const r = await db
        .insertInto('decision_gate')
        .values({ ...row, decided_by: null, decided_at: null, decision: null, note: null })
        .onConflict((oc) => oc.columns(['incident_id', 'before_action']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async decideGate(incidentId: string, beforeAction: string, patch: { decided_by: string; decided_at: string; decision: string; note: string | null }): Promise<boolean> {
      const r = await db.updateTable('decision_gate').set(patch).where('incident_id', '=', incidentId).where('before_action', '=', beforeAction).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}
export type SteeringRepository = ReturnType<typeof createSteeringRepository>;
