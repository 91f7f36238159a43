import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Playbooks (versioned, per category), the tasks of incidents, escalation
 * rules, their firings (one per rule, incident and cause: the primary key is
 * what keeps a rule from firing twice) and the decisions a rule asked a lead
 * to take before an action.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('playbook')
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('playbook_pk', ['category', 'version'])
    .execute();

  await db.schema
    .createTable('task')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incident.id'))
    .addColumn('phase', 'text', (c) => c.notNull())
    // JSON {ja, en}: playbook tasks carry both languages; a task written by hand may have one.
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('task_key', 'text')
    .addColumn('playbook', 'text')
    .addColumn('mandatory', 'integer', (c) => c.notNull())
    .addColumn('assignee', 'text')
    .addColumn('due_at', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('done_at', 'text')
    .addColumn('done_by', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    // NULL keys (tasks written by hand) are distinct on both databases.
    .addUniqueConstraint('task_incident_key', ['incident_id', 'task_key'])
    .execute();
  await db.schema.createIndex('task_incident').on('task').columns(['incident_id', 'position']).execute();
  await db.schema.createIndex('task_assignee').on('task').columns(['assignee', 'state']).execute();

  await db.schema
    .createTable('escalation_rule')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();
  // Bumped on every rule change, so each process knows when its parsed rules are stale.
  await db.schema
    .createTable('rule_version')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.insertInto('rule_version').values({ id: 1, version: 0 }).execute();

  await db.schema
    .createTable('rule_firing')
    .addColumn('rule_id', 'text', (c) => c.notNull().references('escalation_rule.id'))
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incident.id'))
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('rule_version', 'integer', (c) => c.notNull())
    .addColumn('fired_at', 'text', (c) => c.notNull())
    .addColumn('actions', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rule_firing_pk', ['rule_id', 'incident_id', 'cause'])
    .execute();
  await db.schema.createIndex('rule_firing_incident').on('rule_firing').columns(['incident_id', 'fired_at']).execute();

  await db.schema
    .createTable('decision_gate')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incident.id'))
    .addColumn('before_action', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text')
    .addColumn('required_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('decision', 'text')
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('decision_gate_pk', ['incident_id', 'before_action'])
    .execute();
}
