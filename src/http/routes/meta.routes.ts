import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CATEGORIES, CATEGORY_INFO, PRIORITIES, SEVERITIES, rsitMachineTag } from '../../domain/taxonomy.js';
import { TLP_LABELS, tlpMachineTag } from '../../domain/tlp.js';
import { INCIDENT_STATUSES, allowedTransitions } from '../../domain/incident-lifecycle.js';
import type { ServiceDeps } from '../../services/deps.js';

export const metaRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps; ping: () => Promise<boolean> }> = async (app, { ping }) => {
  app.get(
    '/healthz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['meta'],
        summary: 'Health: 200 when the process can serve, 503 when its database is unreachable',
        response: {
          200: z.object({ status: z.literal('ok'), database: z.literal('up') }),
          503: z.object({ status: z.literal('unavailable'), database: z.literal('down') }),
        },
      },
    },
    async (_req, reply) =>
      (await ping()) ? { status: 'ok' as const, database: 'up' as const } : reply.status(503).send({ status: 'unavailable', database: 'down' }),
  );

  app.get(
    '/api/taxonomy',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['meta'],
        summary: 'Categories (with their RSIT mapping), TLP labels, severities, priorities and the status lifecycle',
        response: {
          200: z.object({
            categories: z.array(
              z.object({
                key: z.enum(CATEGORIES),
                label: z.object({ ja: z.string(), en: z.string() }),
                rsit: z.object({ class: z.string(), type: z.string(), machineTag: z.string() }),
              }),
            ),
            tlp: z.array(z.object({ label: z.enum(TLP_LABELS), machineTag: z.string() })),
            severities: z.array(z.string()),
            priorities: z.array(z.string()),
            statuses: z.array(z.object({ status: z.enum(INCIDENT_STATUSES), next: z.array(z.enum(INCIDENT_STATUSES)) })),
          }),
        },
      },
    },
    async () => ({
      categories: CATEGORIES.map((key) => ({
        key,
        label: CATEGORY_INFO[key].label,
        rsit: { ...CATEGORY_INFO[key].rsit, machineTag: rsitMachineTag(key) },
      })),
      tlp: TLP_LABELS.map((label) => ({ label, machineTag: tlpMachineTag(label) })),
      severities: [...SEVERITIES],
      priorities: [...PRIORITIES],
      statuses: INCIDENT_STATUSES.map((status) => ({ status, next: [...allowedTransitions(status)] })),
    }),
  );
};
