import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CATEGORIES, CATEGORY_INFO, PRIORITIES, SEVERITIES, rsitMachineTag } from '../../domain/taxonomy.js';
import { TLP_LABELS, tlpMachineTag } from '../../domain/tlp.js';
import { INCIDENT_STATUSES, allowedTransitions } from '../../domain/incident-lifecycle.js';
import type { ServiceDeps } from '../../services/deps.js';
import { publicKeyBinary } from '../../formats/pgp.js';
import { wkdHash } from '../../domain/wkd.js';

export const metaRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps; ping: () => Promise<boolean> }> = async (app, { deps, ping }) => {
  const published = deps.teamKeys[0];
  const teamEmail = published?.userIds.map((u) => /<([^>]+)>/.exec(u)?.[1] ?? u).find((u) => u.includes('@'));

  app.get(
    '/api/team-key',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['meta'],
        summary: "The team's PGP public key and fingerprint: encrypt reports to it",
        response: { 200: z.object({ fingerprint: z.string(), userIds: z.array(z.string()), publicKey: z.string() }), 404: z.object({ error: z.object({ code: z.string(), message: z.string() }), requestId: z.string() }) },
      },
    },
    async (req, reply) =>
      published
        ? { fingerprint: published.fingerprint, userIds: published.userIds, publicKey: published.publicKeyArmored }
        : reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'no team key' }, requestId: req.id }),
  );

  // OpenPGP Web Key Directory, direct method: mail clients find the team key from the report address.
  app.get('/.well-known/openpgpkey/policy', { config: { auth: 'public' }, schema: { hide: true } }, async (_req, reply) =>
    reply.header('content-type', 'text/plain').send(''),
  );
  app.get(
    '/.well-known/openpgpkey/hu/:hash',
    { config: { auth: 'public' }, schema: { hide: true, params: z.object({ hash: z.string().max(64) }) } },
    async (req, reply) => {
      if (!published || !teamEmail || req.params.hash !== wkdHash(teamEmail.split('@')[0]!))
        return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'no key for that address' }, requestId: req.id });
      return reply.header('content-type', 'application/octet-stream').send(await publicKeyBinary(published.publicKeyArmored));
    },
  );

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
