import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { multiLine } from '../domain/text.js';
import { namedFor, type TimelineEntryView } from '../domain/timeline.js';
import type { Page, PageResult } from '../domain/access.js';
import { accessScope, assertCan } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { loadIncident } from './incident.service.js';
import { audit } from './audit.service.js';
import { parseInput } from './validate.js';

export const TimelineNoteSchema = z.strictObject({
  note: multiLine(20_000).pipe(z.string().min(1, 'must not be empty')),
  /** Id of the entry this one corrects: entries are never edited, a correction is a new entry. */
  corrects: z.uuid().optional(),
});
export type TimelineNoteInput = z.input<typeof TimelineNoteSchema>;

/** The incident's 経過記録, oldest first, including the history of incidents merged into it. */
export async function getTimeline(
  deps: ServiceDeps,
  actor: Actor,
  idOrNumber: string,
  page: Page = { limit: 100_000, offset: 0 },
): Promise<PageResult<TimelineEntryView>> {
  const incident = await loadIncident(deps.store, actor, idOrNumber);
  // Incidents merged into this one, and those merged into them, as far as it goes.
  const merged: string[] = [];
  for (let frontier = [incident.id]; frontier.length; ) {
    const next = (await Promise.all(frontier.map((id) => deps.store.incidents.mergedInto(accessScope(actor), id)))).flat();
    merged.push(...next);
    frontier = next;
  }
  const ids = [incident.id, ...merged];
  const [items, total] = await Promise.all([deps.store.timeline.forIncident(ids, page), deps.store.timeline.countForIncident(ids)]);
  return { items: namedFor(actor, items), total, totalIsExact: true, ...page };
}

export async function addTimelineNote(
  deps: ServiceDeps,
  actor: Actor,
  idOrNumber: string,
  input: TimelineNoteInput,
): Promise<TimelineEntryView> {
  assertCan(actor, 'incident.write');
  const { note, corrects } = parseInput(TimelineNoteSchema, input);
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, idOrNumber);
    if (corrects) {
      const entries = await tx.timeline.forIncident([incident.id]);
      if (!entries.some((e) => e.id === corrects))
        throw new AppError('VALIDATION', `timeline entry ${corrects} is not on incident ${incident.number}`, {
          issues: [{ path: ['corrects'], message: 'no such entry on this incident' }],
        });
    }
    const [entry] = await tx.timeline.append([
      {
        incidentId: incident.id,
        reportId: null,
        actor: actor.id,
        action: corrects ? 'correction' : 'note',
        changes: corrects ? { corrects } : {},
        note,
      },
    ]);
    await audit(tx, actor, corrects ? 'incident.correction' : 'incident.note', { type: 'incident', id: incident.id });
    // As the timeline reads it back: the account's display name, none for Renkei's own actors.
    return { ...entry!, actorName: actor.kind === 'user' ? actor.displayName : null };
  });
}
