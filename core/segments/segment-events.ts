/**
 * The qualified / disqualified event of one transition, Salespanel's payload: the subject's
 * ids plus `segment: {id, name}`. Its id derives from the subject, the segment and the number of
 * transitions, so whoever sees the transition first (pipeline, backfill, a retry) emits it once.
 */
import type { CompanyDoc } from '../companies/company.model';
import type { EventType } from '../events/event-catalogue';
import type { VisitorDoc } from '../visitors/visitor.model';
import { emittedEventIdFor } from '../visitors/visitor-ids';
import type { SegmentTransition } from './decide-standings';

/** Who is evaluated: a person (an identified visitor) or a company. */
export type SegmentSubject = { entity: 'person'; visitor: VisitorDoc } | { entity: 'company'; company: CompanyDoc };

export interface SegmentEvent {
  id: string;
  type: EventType;
  data: Record<string, unknown>;
}

export function subjectIdOf(subject: SegmentSubject): string {
  return subject.entity === 'person' ? subject.visitor._id : subject.company._id;
}

export function segmentEventOf(subject: SegmentSubject, { segment, standing }: SegmentTransition): SegmentEvent {
  const ref = { segment: { id: segment._id, name: segment.name } };
  const at = standing.since.toISOString();
  const who =
    subject.entity === 'person'
      ? { visitor_id: subject.visitor._id, contact_id: subject.visitor.leadId ? subject.visitor._id : null, email: subject.visitor.email }
      : { company_id: subject.company._id, name: subject.company.name, domain: subject.company.domain };
  const type = `${subject.entity}.segment_${standing.member ? 'qualified' : 'disqualified'}` as const;
  const data = { ...who, ...ref, ...(standing.member ? { qualified_at: at } : { disqualified_at: at }) };
  return { id: emittedEventIdFor(`${subjectIdOf(subject)}/${segment._id}#${standing.changes}`, type), type, data };
}
