import type { CoordinationPurpose } from '../domain/coordination.js';
import { AppError } from '../domain/errors.js';
import { officeHoursAt, parseOfficeHours } from '../domain/office-hours.js';
import type { ContactRole } from '../domain/organisation.schema.js';
import type { Contact, Organisation } from '../store/repositories/organisation.repository.js';
import type { ContactReason } from '../domain/abuse-contact.js';

/**
 * Which contact of an organisation a coordination writes to, and why (pure:
 * the directory's contacts, their roles and office hours, and the time).
 */

/** `YYYY-MM-DD HH:mm` in a zone. */
export const localTime = (timeZone: string, at: Date) => officeHoursAt({ always: true, windows: [] }, timeZone, at).localTime;

/** Which contact of an organisation to write to, by purpose: the first role present wins. */
const ROLE_ORDER: Record<CoordinationPurpose, readonly ContactRole[]> = {
  takedown: ['abuse', 'security', '24x7', 'technical', 'general', 'management'],
  notification: ['abuse', 'security', '24x7', 'technical', 'general', 'management'],
  'information-request': ['security', 'abuse', 'general', '24x7', 'technical', 'management'],
  'csirt-report': ['security', 'abuse', 'general', '24x7', 'technical', 'management'],
  'law-enforcement': ['general', 'security', 'management', 'abuse', '24x7', 'technical'],
  'reporter-update': ['general', 'security', 'abuse', 'technical', 'management', '24x7'],
};

export function isOpenNow(contact: Contact, at: Date): boolean | null {
  if (!contact.officeHours) return null;
  const parsed = parseOfficeHours(contact.officeHours);
  return parsed.ok ? officeHoursAt(parsed.value, contact.timezone, at).isOpen : null;
}

/**
 * The contact to write to, and why: the named one, else the first by role for
 * the purpose — and when that one is outside office hours, the 24/7 contact.
 */
export function chooseContact(
  org: Organisation,
  purpose: CoordinationPurpose,
  email: string | undefined,
  at: Date,
): { contact: Contact; reason: string; why: ContactReason } {
  if (org.contacts.length === 0)
    throw new AppError('VALIDATION', `${org.name} has no contact with an e-mail address: add one in the directory first`, {
      issues: [{ path: ['organisationId'], message: 'the organisation has no contact address' }],
    });
  if (email) {
    const named = org.contacts.find((c) => c.email.toLowerCase() === email.toLowerCase());
    if (!named)
      throw new AppError('VALIDATION', `${email} is not a contact of ${org.name}`, { issues: [{ path: ['contactEmail'], message: 'not a contact of the organisation' }] });
    return { contact: named, reason: 'chosen by the handler', why: { code: 'chosen' } };
  }
  const byRole = [...org.contacts].sort((a, b) => ROLE_ORDER[purpose].indexOf(a.role) - ROLE_ORDER[purpose].indexOf(b.role));
  const first = byRole[0]!;
  const open = isOpenNow(first, at);
  const allDay = org.contacts.find((c) => c.role === '24x7' && c !== first);
  if (open === false && allDay) {
    const local = localTime(first.timezone, at);
    return {
      contact: allDay,
      reason: `${first.email} is outside office hours (${local} ${first.timezone}): using the 24/7 contact`,
      why: { code: 'outside-hours', email: first.email, localTime: local, timezone: first.timezone },
    };
  }
  return { contact: first, reason: `${first.role} contact`, why: { code: 'role', role: first.role } };
}
