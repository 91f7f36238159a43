import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GATE_ACTIONS, RuleSchema, RuleUpdateSchema } from '../../domain/escalation-rule.js';
import { PHASES, PlaybookSchema, TASK_STATES } from '../../domain/playbook.js';
import { SLA_CLOCKS } from '../../domain/sla.js';
import { CATEGORIES, PRIORITIES, SEVERITIES } from '../../domain/taxonomy.js';
import { TLP_LABELS } from '../../domain/tlp.js';
import type { ServiceDeps } from '../../services/deps.js';
import { TaskCreateSchema, TaskUpdateSchema, addTask, applyPlaybookTo, getPlaybook, listPlaybooks, listTasks, savePlaybook, updateTask } from '../../services/playbook.service.js';
import { DecisionSchema, createRule, decide, deleteRule, getDecisions, getRule, listRules, updateRule } from '../../services/rules.service.js';
import { errorResponses } from '../schemas.js';

const bilingual = z.object({ ja: z.string().optional(), en: z.string().optional() });

export const TaskSchema = z
  .object({
    id: z.string(),
    incidentId: z.string(),
    phase: z.enum(PHASES),
    title: bilingual,
    description: bilingual.nullable(),
    key: z.string().nullable().describe('the playbook task key (each once per incident); null for a task written by hand'),
    playbook: z.string().nullable().describe('category@version of the playbook it came from'),
    mandatory: z.boolean(),
    assignee: z.string().nullable(),
    dueAt: z.string().nullable(),
    state: z.enum(TASK_STATES),
    reason: z.string().nullable(),
    doneAt: z.string().nullable(),
    doneBy: z.string().nullable(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'Task' });

// Answers are described without the input schemas' transforms (trimming, normalising): zod cannot encode through them.
const PlaybookTaskOutSchema = z.object({
  key: z.string(),
  phase: z.enum(PHASES),
  title: z.object({ ja: z.string(), en: z.string() }),
  description: z.object({ ja: z.string(), en: z.string() }).optional(),
  mandatory: z.boolean(),
  dueAfterHours: z.number().int().optional(),
});

const RuleConditionOutSchema = z.object({
  categories: z.array(z.enum(CATEGORIES)).optional(),
  severities: z.array(z.enum(SEVERITIES)).optional(),
  priorities: z.array(z.enum(PRIORITIES)).optional(),
  constituencies: z.array(z.string()).optional(),
  tlp: z.array(z.enum(TLP_LABELS)).optional(),
  watchlist: z.array(z.string()).optional(),
  sla: z.object({ clock: z.enum(SLA_CLOCKS).optional(), state: z.enum(['due-soon', 'breached']), withinMinutes: z.number().int() }).optional(),
  reportsAtLeast: z.number().int().optional(),
  keywords: z.array(z.string()).optional(),
});

const RuleActionOutSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('assign'), to: z.string() }),
  z.object({ type: z.literal('raise-priority'), to: z.enum(PRIORITIES) }),
  z.object({ type: z.literal('raise-severity'), to: z.enum(SEVERITIES) }),
  z.object({ type: z.literal('notify'), who: z.string().describe('leads, on-call, or an address') }),
  z.object({ type: z.literal('add-playbook'), category: z.enum(CATEGORIES) }),
  z.object({ type: z.literal('require-decision'), before: z.enum(GATE_ACTIONS) }),
  z.object({ type: z.literal('mark-for-partner'), organisationId: z.string() }),
]);

export const PlaybookOutSchema = z
  .object({
    category: z.enum(CATEGORIES),
    version: z.number().int().describe('0: the built-in playbook'),
    updatedBy: z.string(),
    updatedAt: z.string(),
    title: z.object({ ja: z.string(), en: z.string() }),
    tasks: z.array(PlaybookTaskOutSchema),
  })
  .meta({ id: 'Playbook' });

/** GET /api/playbooks/:category: the playbook and its versions. */
export const PlaybookWithHistorySchema = PlaybookOutSchema.extend({ history: z.array(z.object({ version: z.number().int(), updatedBy: z.string(), updatedAt: z.string() })) });

export const RuleOutSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    when: RuleConditionOutSchema,
    then: z.array(RuleActionOutSchema),
    version: z.number().int(),
    updatedBy: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'EscalationRule' });

/** GET /api/incidents/:id/decisions: what rules asked of leads, and every rule that fired. */
export const IncidentDecisionsSchema = z.object({
  decisions: z.array(
    z.object({
      before: z.enum(GATE_ACTIONS),
      ruleId: z.string().nullable(),
      requiredAt: z.string(),
      decision: z.enum(['approved', 'refused']).nullable(),
      decidedBy: z.string().nullable(),
      decidedByName: z.string().nullable().describe("the display name of the deciding lead's account"),
      decidedAt: z.string().nullable(),
      note: z.string().nullable(),
    }),
  ),
  firings: z.array(z.object({ ruleId: z.string(), name: z.string().nullable(), cause: z.string(), version: z.number().int(), firedAt: z.string() })),
});

const incidentParams = z.object({ id: z.string().min(1).max(64) });
const taskParams = z.object({ id: z.string().min(1).max(64), taskId: z.uuid() });
const categoryParams = z.object({ category: z.string().max(40) });
const ruleParams = z.object({ ruleId: z.uuid() });

/** Playbooks and tasks, escalation rules and the decisions they ask leads for: what to do, who decides, how far. */
export const steeringRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.get(
    '/playbooks',
    { schema: { tags: ['playbooks'], summary: 'The playbook of every category, as in use now', response: { 200: z.object({ items: z.array(PlaybookOutSchema) }), ...errorResponses } } },
    async (req) => ({ items: await listPlaybooks(deps, req.actor) }),
  );
  app.get(
    '/playbooks/:category',
    {
      schema: {
        tags: ['playbooks'],
        summary: "A category's playbook with its version history",
        params: categoryParams,
        response: { 200: PlaybookWithHistorySchema, ...errorResponses },
      },
    },
    async (req) => getPlaybook(deps, req.actor, req.params.category),
  );
  app.put(
    '/playbooks/:category',
    { schema: { tags: ['playbooks'], summary: 'Save a new version of a playbook (leads); incidents keep the tasks they have', params: categoryParams, body: PlaybookSchema, response: { 200: PlaybookOutSchema, ...errorResponses } } },
    async (req) => savePlaybook(deps, req.actor, req.params.category, req.body),
  );

  app.get(
    '/incidents/:id/tasks',
    { schema: { tags: ['playbooks'], summary: "An incident's tasks, by phase", params: incidentParams, response: { 200: z.object({ items: z.array(TaskSchema) }), ...errorResponses } } },
    async (req) => ({ items: await listTasks(deps, req.actor, req.params.id) }),
  );
  app.post(
    '/incidents/:id/tasks',
    { schema: { tags: ['playbooks'], summary: 'Add a task written by hand', params: incidentParams, body: TaskCreateSchema, response: { 201: TaskSchema, ...errorResponses } } },
    async (req, reply) => reply.status(201).send(await addTask(deps, req.actor, req.params.id, req.body)),
  );
  app.patch(
    '/incidents/:id/tasks/:taskId',
    {
      schema: {
        tags: ['playbooks'],
        summary: 'Mark a task done, not needed (with a reason) or open again; assign it; set its due date',
        params: taskParams,
        body: TaskUpdateSchema,
        response: { 200: TaskSchema, ...errorResponses },
      },
    },
    async (req) => updateTask(deps, req.actor, req.params.id, req.params.taskId, req.body),
  );
  app.post(
    '/incidents/:id/playbook',
    {
      schema: {
        tags: ['playbooks'],
        summary: "Add a category's playbook tasks to the incident (tasks it already has are skipped)",
        params: incidentParams,
        body: z.strictObject({ category: z.enum(CATEGORIES) }),
        response: { 200: z.object({ items: z.array(TaskSchema) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await applyPlaybookTo(deps, req.actor, req.params.id, req.body.category) }),
  );

  app.get(
    '/rules',
    { schema: { tags: ['rules'], summary: 'The escalation rules', response: { 200: z.object({ items: z.array(RuleOutSchema) }), ...errorResponses } } },
    async (req) => ({ items: await listRules(deps, req.actor) }),
  );
  app.post(
    '/rules',
    {
      schema: {
        tags: ['rules'],
        summary: 'Write an escalation rule (leads): when every condition holds, the actions run once per incident and cause; a rule that would trigger itself is refused',
        body: RuleSchema,
        response: { 201: RuleOutSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await createRule(deps, req.actor, req.body)),
  );
  app.get(
    '/rules/:ruleId',
    { schema: { tags: ['rules'], summary: 'One escalation rule', params: ruleParams, response: { 200: RuleOutSchema, ...errorResponses } } },
    async (req) => getRule(deps, req.actor, req.params.ruleId),
  );
  app.put(
    '/rules/:ruleId',
    {
      schema: {
        tags: ['rules'],
        summary: 'A new version of a rule (or `enabled: false` to stop it); with `version`, refused (409) when someone changed the rule since',
        params: ruleParams,
        body: RuleUpdateSchema,
        response: { 200: RuleOutSchema, ...errorResponses },
      },
    },
    async (req) => updateRule(deps, req.actor, req.params.ruleId, req.body),
  );
  app.delete(
    '/rules/:ruleId',
    {
      schema: {
        tags: ['rules'],
        summary: 'Delete a rule (leads): it stops at once, the firings it left on incidents stay; with `version`, refused (409) when someone changed the rule since',
        params: ruleParams,
        querystring: z.strictObject({ version: z.coerce.number().int().min(1).optional() }),
        response: { 204: z.undefined(), ...errorResponses },
      },
    },
    async (req, reply) => {
      await deleteRule(deps, req.actor, req.params.ruleId, req.query.version);
      return reply.status(204).send();
    },
  );

  app.get(
    '/incidents/:id/decisions',
    {
      schema: {
        tags: ['rules'],
        summary: "The decisions rules asked of leads on the incident, and every rule that fired for it",
        params: incidentParams,
        response: {
          200: IncidentDecisionsSchema,
          ...errorResponses,
        },
      },
    },
    async (req) => getDecisions(deps, req.actor, req.params.id),
  );
  app.post(
    '/incidents/:id/decisions/:before',
    {
      schema: {
        tags: ['rules'],
        summary: "A lead's decision before an action (send-outside: any mail outside the team), with a note",
        params: z.object({ id: z.string().min(1).max(64), before: z.enum(GATE_ACTIONS) }),
        body: DecisionSchema,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      await decide(deps, req.actor, req.params.id, req.params.before, req.body);
      return reply.status(204).send(null);
    },
  );
};
