import { z } from 'zod';
import { CATEGORIES, PRIORITIES, SEVERITIES, type Category, type Priority, type Severity } from './taxonomy.js';
import { TLP_LABELS, type Tlp } from './tlp.js';
import { INCIDENT_STATUSES, type IncidentStatus } from './incident-lifecycle.js';
import { instant, multiLine, singleLine } from './text.js';

/**
 * The seed's 5W1H: when (occurred / detected / reported), how (vector),
 * what (impact), where (affected assets), who (actor), why (motive).
 * All optional, all structured.
 */
export const FiveW1HSchema = z.strictObject({
  occurredAt: instant().nullable().optional(),
  detectedAt: instant().nullable().optional(),
  reportedAt: instant().nullable().optional(),
  vector: multiLine(2000).nullable().optional(),
  impact: multiLine(2000).nullable().optional(),
  affectedAssets: multiLine(2000).nullable().optional(),
  actor: multiLine(2000).nullable().optional(),
  motive: multiLine(2000).nullable().optional(),
});
export type FiveW1H = z.infer<typeof FiveW1HSchema>;

/** The sectors a phishing site's imitated brand is counted under (quarterly statistics); null = unclassified. */
export const BRAND_SECTORS = ['finance', 'e-commerce', 'telecom', 'government', 'sns', 'other'] as const;
export type BrandSector = (typeof BRAND_SECTORS)[number];
/** Whether the imitated brand is of this country (RENKEI_COUNTRY) or foreign. */
export const BRAND_ORIGINS = ['domestic', 'foreign'] as const;
export type BrandOrigin = (typeof BRAND_ORIGINS)[number];

const constituency = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a constituency key such as finance or gov');

const editable = {
  title: singleLine(300),
  summary: multiLine(20_000).nullable(),
  category: z.enum(CATEGORIES),
  severity: z.enum(SEVERITIES),
  priority: z.enum(PRIORITIES),
  tlp: z.enum(TLP_LABELS),
  constituency: constituency.nullable(),
  owner: singleLine(320).nullable(),
  organisationIds: z.array(z.uuid()).max(500),
  fiveW1H: FiveW1HSchema,
  /** Who decides what the team does on this incident (the seed's "who decides"). */
  decisionOwner: singleLine(320).nullable(),
  /** What was decided we will and will not do (the seed's "how far"). */
  scope: multiLine(5000).nullable(),
  /** A drill: behaves normally, marked everywhere, mail tagged, never counted in statistics. */
  exercise: z.boolean(),
  /** Retention never removes this incident's evidence while held. */
  legalHold: z.boolean(),
  brandName: singleLine(200).nullable(),
  brandSector: z.enum(BRAND_SECTORS).nullable(),
  brandOrigin: z.enum(BRAND_ORIGINS).nullable(),
};

/** Fields only a lead may set or change (capability `incident.decide`). */
export const DECISION_FIELDS = ['decisionOwner', 'scope', 'legalHold'] as const;

export const IncidentCreateSchema = z.strictObject({
  title: editable.title,
  summary: editable.summary.optional(),
  category: editable.category.default('other'),
  severity: editable.severity.default('medium'),
  priority: editable.priority.default('normal'),
  tlp: editable.tlp.default('AMBER'),
  constituency: editable.constituency.optional(),
  owner: editable.owner.optional(),
  organisationIds: editable.organisationIds.default([]),
  fiveW1H: editable.fiveW1H.default({}),
  decisionOwner: editable.decisionOwner.optional(),
  scope: editable.scope.optional(),
  exercise: editable.exercise.default(false),
  legalHold: editable.legalHold.default(false),
  brandName: editable.brandName.optional(),
  brandSector: editable.brandSector.optional(),
  brandOrigin: editable.brandOrigin.optional(),
});
export type IncidentCreateInput = z.input<typeof IncidentCreateSchema>;
export type IncidentCreate = z.output<typeof IncidentCreateSchema>;

/** A partial update; `version` guards against overwriting someone else's change. */
export const IncidentUpdateSchema = z.strictObject({
  title: editable.title.optional(),
  summary: editable.summary.optional(),
  category: editable.category.optional(),
  severity: editable.severity.optional(),
  priority: editable.priority.optional(),
  tlp: editable.tlp.optional(),
  constituency: editable.constituency.optional(),
  owner: editable.owner.optional(),
  organisationIds: editable.organisationIds.optional(),
  fiveW1H: editable.fiveW1H.optional(),
  decisionOwner: editable.decisionOwner.optional(),
  scope: editable.scope.optional(),
  exercise: editable.exercise.optional(),
  legalHold: editable.legalHold.optional(),
  brandName: editable.brandName.optional(),
  brandSector: editable.brandSector.optional(),
  brandOrigin: editable.brandOrigin.optional(),
  version: z.number().int().positive().optional(),
  note: multiLine(10_000).optional(),
});
export type IncidentUpdateInput = z.input<typeof IncidentUpdateSchema>;
export type IncidentUpdate = z.output<typeof IncidentUpdateSchema>;

export const IncidentStatusChangeSchema = z.strictObject({
  status: z.enum(INCIDENT_STATUSES),
  note: multiLine(10_000).optional(),
  /** A lead closing over open mandatory tasks says why. */
  override: multiLine(2000).optional(),
  version: z.number().int().positive().optional(),
});
export type IncidentStatusChange = z.infer<typeof IncidentStatusChangeSchema>;

export interface Incident {
  id: string;
  number: string;
  title: string;
  summary: string | null;
  category: Category;
  severity: Severity;
  priority: Priority;
  tlp: Tlp;
  status: IncidentStatus;
  constituency: string | null;
  owner: string | null;
  organisationIds: string[];
  fiveW1H: Required<{ [K in keyof FiveW1H]: NonNullable<FiveW1H[K]> | null }>;
  decisionOwner: string | null;
  scope: string | null;
  exercise: boolean;
  legalHold: boolean;
  brandName: string | null;
  brandSector: BrandSector | null;
  brandOrigin: BrandOrigin | null;
  /** When the next running SLA clock falls due (a breached, unmet clock keeps the moment it fell due); null when none runs. Kept by the SLA service. */
  slaDueAt: string | null;
  mergedInto: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  resolvedAt: string | null;
  closedAt: string | null;
  version: number;
}

/** Fields compared for the timeline's before/after. */
export type IncidentSnapshot = Omit<Incident, 'id' | 'number' | 'createdAt' | 'createdBy' | 'updatedAt' | 'version' | 'slaDueAt'>;

/** `{ field: { before, after } }` for every field that changed: the body of a timeline entry. */
export function diff<T extends object>(before: T, after: T): Record<string, { before: unknown; after: unknown }> {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    const a = before[key];
    const b = after[key];
    if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      if (!Array.isArray(a)) {
        for (const [k, v] of Object.entries(diff(a, b))) changes[`${String(key)}.${k}`] = v;
        continue;
      }
    } else if (a === b) continue;
    changes[String(key)] = { before: a ?? null, after: b ?? null };
  }
  return changes;
}
