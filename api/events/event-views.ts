/** An event as the API shows it: the envelope every webhook body carries. */
import { z } from 'zod';
import type { EventDoc } from '../../core/events/event.model';
import { isoDate } from '../http/common-schemas';

export const eventViewSchema = z
  .object({
    id: z.string().meta({ example: 'evt_2b9XkQ0mPz4Lw8Rt6Yv1' }),
    type: z.string().meta({ example: 'lead.created' }),
    createdAt: isoDate,
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Event', description: 'The envelope every webhook body carries' });

export function eventView(doc: EventDoc): z.infer<typeof eventViewSchema> {
  return { id: doc._id, type: doc.type, createdAt: doc.createdAt.toISOString(), data: doc.data as Record<string, unknown> };
}
