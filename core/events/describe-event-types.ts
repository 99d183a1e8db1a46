/** The event catalogue for clients: each type's description, plan, JSON Schema and sample. */
import { z } from 'zod';
import { eventTypes, paidEventTypes, type EventType, type Plan } from './event-catalogue';
import { eventSamples } from './event-samples';
import { eventDescriptions, eventPayloadSchemas, type EventPayload } from './payloads';

export interface EventTypeDescription {
  type: EventType;
  description: string;
  plan: Plan;
  schema: z.core.JSONSchema.BaseSchema;
  sample: EventPayload<EventType>;
}

/** The catalogue as served by `GET /api/v1/event-types`. */
export function describeEventTypes(): EventTypeDescription[] {
  return eventTypes.map((type) => ({
    type,
    description: eventDescriptions[type],
    plan: paidEventTypes.has(type) ? 'pro' : 'free',
    // io 'input' leaves out `additionalProperties: false`: receivers must tolerate fields we add later.
    schema: z.toJSONSchema(eventPayloadSchemas[type], { target: 'draft-2020-12', io: 'input' }),
    sample: eventSamples[type],
  }));
}
