import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CUSTODY_ACTIONS, EVIDENCE_KINDS, EvidenceExportSchema, EvidenceHandOverSchema, EvidenceUploadSchema } from '../../domain/evidence.js';
import type { ServiceDeps } from '../../services/deps.js';
import { uploadEvidence } from '../../services/evidence-collection.service.js';
import { exportEvidence, handOverEvidence } from '../../services/evidence-transfer.service.js';
import { downloadEvidence, getEvidenceItem, listEvidence, type EvidenceDelivery } from '../../services/evidence.service.js';
import { asDownload } from '../download.js';
import { errorResponses } from '../schemas.js';

const ts = z.string().describe('ISO-8601 UTC date-time');

export const EvidenceItemSchema = z
  .object({
    id: z.string(),
    incidentId: z.string().nullable().describe('set for uploads, liveness captures and exports; report files belong to their report'),
    reportId: z.string().nullable(),
    sha256: z.string(),
    sha1: z.string().nullable(),
    md5: z.string().nullable(),
    filename: z.string().nullable(),
    mimeType: z.string(),
    size: z.number().int(),
    kind: z.enum(EVIDENCE_KINDS),
    collectedBy: z.string(),
    collectedAt: ts,
    collectedFrom: z.string(),
    dangerous: z.boolean().nullable().describe('null: not assessed yet (checked at its first download)'),
    dangerousReason: z.string().nullable(),
    note: z.string().nullable(),
    integrityFailedAt: z.string().nullable().describe('its bytes did not match its SHA-256 when last read: not served'),
    removedAt: z.string().nullable().describe('removed by retention: the record stays, the bytes are gone'),
    removedBy: z.string().nullable(),
    removedReason: z.string().nullable(),
  })
  .meta({ id: 'EvidenceItem' });

export const CustodyEventSchema = z
  .object({
    id: z.string(),
    itemId: z.string(),
    at: ts,
    actor: z.string(),
    action: z.enum(CUSTODY_ACTIONS),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'CustodyEvent' });

/** GET /api/incidents/:id/evidence/:itemId, POST …/:itemId/hand-over: one item and its chain of custody. */
export const ItemWithCustodySchema = z.object({ item: EvidenceItemSchema, custody: z.array(CustodyEventSchema) }).meta({ id: 'EvidenceItemWithCustody' });

const params = z.object({ id: z.string().min(1).max(64) });
const itemParams = z.object({ id: z.string().min(1).max(64), itemId: z.uuid() });
export const DownloadQuery = z.object({
  as: z.enum(['original', 'zip']).optional().describe('zip: inside a ZIP encrypted with the password "infected" (dangerous files always are)'),
});

/** Send evidence as a download (never rendered), with its hash and, for a dangerous file, the warning. */
export function sendEvidence(reply: FastifyReply, d: EvidenceDelivery): FastifyReply {
  asDownload(reply, d.contentType, d.filename)
    .header('x-renkei-sha256', d.sha256)
    .header('x-renkei-evidence-id', d.item.id)
    .header('x-renkei-packed', d.packed);
  if (d.packed === 'encrypted-zip') reply.header('x-renkei-zip-password', 'infected');
  if (d.warning) reply.header('x-renkei-warning', d.warning);
  return reply.send(d.content);
}

/** An incident's evidence and its chain of custody. */
export const evidenceRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.get(
    '/incidents/:id/evidence',
    {
      schema: {
        tags: ['evidence'],
        summary: 'Every evidence item of the incident and of its reports (attachments, raw originals, uploads, liveness captures, exports), oldest first',
        params,
        response: { 200: z.object({ items: z.array(EvidenceItemSchema) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await listEvidence(deps, req.actor, req.params.id) }),
  );

  app.post(
    '/incidents/:id/evidence',
    {
      bodyLimit: 40 * 1024 * 1024,
      schema: {
        tags: ['evidence'],
        summary: 'Add evidence (base64, up to 25 MB): hashed, kept, checked for danger; recorded as collected by you, from where you say',
        params,
        body: EvidenceUploadSchema,
        response: { 201: EvidenceItemSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await uploadEvidence(deps, req.actor, req.params.id, req.body)),
  );

  app.post(
    '/incidents/:id/evidence/export',
    {
      schema: {
        tags: ['evidence'],
        summary: 'Export the evidence as one ZIP with manifest.json (hashes, collection, chain of custody) and SHA256SUMS; kept as an export item to download',
        params,
        body: EvidenceExportSchema.optional(),
        response: { 201: EvidenceItemSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await exportEvidence(deps, req.actor, req.params.id, req.body ?? {})),
  );

  app.get(
    '/incidents/:id/evidence/:itemId',
    {
      schema: {
        tags: ['evidence'],
        summary: 'One evidence item with its chain of custody (this look is recorded in it)',
        params: itemParams,
        response: { 200: ItemWithCustodySchema, ...errorResponses },
      },
    },
    async (req) => getEvidenceItem(deps, req.actor, req.params.id, req.params.itemId),
  );

  app.get(
    '/incidents/:id/evidence/:itemId/content',
    {
      schema: {
        tags: ['evidence'],
        summary:
          'Download the evidence: its SHA-256 is checked first (a mismatch answers EVIDENCE_CORRUPT and is recorded, never served); dangerous files only inside a ZIP encrypted with "infected", with x-renkei-warning',
        params: itemParams,
        querystring: DownloadQuery,
        response: { 200: z.any().describe('application/octet-stream, or application/zip when packed'), ...errorResponses },
      },
    },
    async (req, reply) => sendEvidence(reply, await downloadEvidence(deps, req.actor, req.params.id, req.params.itemId, req.query)),
  );

  app.post(
    '/incidents/:id/evidence/:itemId/hand-over',
    {
      schema: {
        tags: ['evidence'],
        summary: 'Record that the evidence was handed to someone (law enforcement, another CSIRT): checked against its hash, then recorded with the recipient',
        params: itemParams,
        body: EvidenceHandOverSchema,
        response: { 200: ItemWithCustodySchema, ...errorResponses },
      },
    },
    async (req) => handOverEvidence(deps, req.actor, req.params.id, req.params.itemId, req.body),
  );
};
