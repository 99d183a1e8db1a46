import { z } from 'zod';
import { eventTypes, paidEventTypes } from '../../core/events/event-catalogue';
import { describeEventTypes } from '../../core/events/describe-event-types';
import { eventSamples } from '../../core/events/event-samples';
import { eventDescriptions, eventPayloadSchemas, InvalidEventPayloadError, parseEventPayload, type EventPayload } from '../../core/events/payloads';

const clone = <T>(value: T): T => structuredClone(value);

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Returns the issue paths of a failed parse, or throws if it unexpectedly succeeds. */
function failingPaths(type: keyof typeof eventPayloadSchemas, data: unknown): string[] {
  const result = eventPayloadSchemas[type].safeParse(data);
  if (result.success) throw new Error(`${type} unexpectedly accepted ${JSON.stringify(data)}`);
  return result.error.issues.map((i) => i.path.join('.'));
}

describe('event payloads', () => {
  it('covers every event type with a schema, a description and a sample', () => {
    expect(Object.keys(eventPayloadSchemas).sort()).toEqual([...eventTypes].sort());
    expect(Object.keys(eventSamples).sort()).toEqual([...eventTypes].sort());
    for (const type of eventTypes) {
      expect(eventDescriptions[type]).toMatch(/^Fires .+\.$/);
    }
  });

  it.each(eventTypes)('%s: the sample parses with its schema, unchanged', (type) => {
    expect(eventPayloadSchemas[type].parse(eventSamples[type])).toEqual(eventSamples[type]);
  });

  it('describes every type with plan, JSON Schema and sample', () => {
    const described = describeEventTypes();
    expect(described.map((d) => d.type)).toEqual([...eventTypes]);
    for (const d of described) {
      expect(d.plan).toBe(paidEventTypes.has(d.type) ? 'pro' : 'free');
      expect(d.description).toBe(eventDescriptions[d.type]);
      expect(d.sample).toEqual(eventSamples[d.type]);
      expect(d.schema).toMatchObject({ type: 'object', properties: expect.any(Object) });
      expect(Array.isArray(d.schema.required)).toBe(true);
      // Receivers must be able to ignore fields added later.
      expect(d.schema.additionalProperties).toBeUndefined();
      expect(() => JSON.stringify(d)).not.toThrow();
    }
  });

  it('carries field descriptions and formats into the JSON Schema', () => {
    const order = describeEventTypes().find((d) => d.type === 'order.attributed')!.schema as any;
    expect(order.required).toEqual(expect.arrayContaining(['id', 'order_id', 'visitor_id', 'amount', 'currency', 'first_touch', 'last_touch', 'created_at']));
    expect(order.properties.currency).toMatchObject({ type: 'string', pattern: '^[A-Z]{3}$', description: expect.any(String) });
    expect(order.properties.created_at).toMatchObject({ type: 'string', format: 'date-time' });
  });

  it('infers payload types from the schemas', () => {
    const lead: z.infer<(typeof eventPayloadSchemas)['lead.created']> = eventSamples['lead.created'];
    const status: EventPayload<'lead.created'>['status'] = lead.status;
    expect(status).toBe('new');
  });

  describe('enforces what receivers rely on', () => {
    it('requires ids and timestamps', () => {
      const { id: _id, ...withoutId } = clone(eventSamples['lead.created']);
      expect(failingPaths('lead.created', withoutId)).toEqual(['id']);
      expect(failingPaths('lead.created', { ...eventSamples['lead.created'], created_at: '26/04/2026' })).toEqual(['created_at']);
      expect(failingPaths('webhook.disabled', { ...eventSamples['webhook.disabled'], subscription_id: '' })).toEqual(['subscription_id']);
    });

    it('accepts timestamps with an offset', () => {
      expect(eventPayloadSchemas['lead.created'].safeParse({ ...eventSamples['lead.created'], created_at: '2026-04-26T20:30:15+02:00' }).success).toBe(true);
    });

    it('checks enums and formats', () => {
      expect(failingPaths('lead.created', { ...eventSamples['lead.created'], status: 'won' })).toEqual(['status']);
      expect(failingPaths('lead.created', { ...eventSamples['lead.created'], email: 'not-an-email' })).toEqual(['email']);
      expect(failingPaths('lead.scored', { ...eventSamples['lead.scored'], grade: 'Hot' })).toEqual(['grade']);
      expect(failingPaths('company.identified', { ...eventSamples['company.identified'], domain: 'https://Example.com/' })).toEqual(['domain']);
      expect(failingPaths('person.page_visit', { ...eventSamples['person.page_visit'], url: 'javascript:alert(1)' })).toEqual(['url']);
      expect(failingPaths('person.page_visit', { ...eventSamples['person.page_visit'], path: 'pricing' })).toEqual(['path']);
    });

    it('rejects a bad currency and a string amount', () => {
      for (const currency of ['usd', 'US', 'EURO']) {
        expect(failingPaths('order.attributed', { ...eventSamples['order.attributed'], currency })).toEqual(['currency']);
      }
      expect(failingPaths('order.attributed', { ...eventSamples['order.attributed'], amount: '129.99' })).toEqual(['amount']);
      expect(failingPaths('order.attributed', { ...eventSamples['order.attributed'], amount: -1 })).toEqual(['amount']);
    });

    it('keeps classification_confidence a number in 0..1', () => {
      expect(failingPaths('prospect.qualified', { ...eventSamples['prospect.qualified'], classification_confidence: 1.5 })).toEqual(['classification_confidence']);
      // Prospektr's string form is exactly what we do not repeat.
      expect(failingPaths('prospect.qualified', { ...eventSamples['prospect.qualified'], classification_confidence: '0.85' })).toEqual(['classification_confidence']);
      expect(failingPaths('lead.scored', { ...eventSamples['lead.scored'], classification_confidence: -0.1 })).toEqual(['classification_confidence']);
    });

    it('requires at least one known field in lead.updated changes', () => {
      expect(failingPaths('lead.updated', { ...eventSamples['lead.updated'], changes: {} })).toEqual(['changes']);
      expect(failingPaths('lead.updated', { ...eventSamples['lead.updated'], changes: { id: { from: 'a', to: 'b' } } })[0]).toMatch(/^changes/);
    });

    it('allows null where the seeds show data may be missing', () => {
      const lead = { ...eventSamples['lead.created'], visitor_id: null, full_name: null, email: null, phone: null, value: null };
      expect(eventPayloadSchemas['lead.created'].safeParse(lead).success).toBe(true);
      const person = { ...eventSamples['person.identified'], customer_id: null, company_details: null, person_details: {} };
      expect(eventPayloadSchemas['person.identified'].safeParse(person).success).toBe(true);
      const order = { ...eventSamples['order.attributed'], lead_id: null };
      expect(eventPayloadSchemas['order.attributed'].safeParse(order).success).toBe(true);
    });
  });

  describe('parseEventPayload', () => {
    it('returns the payload with unknown (internal) fields stripped', () => {
      const parsed = parseEventPayload('lead.created', { ...eventSamples['lead.created'], workspaceId: 'ws_secret' });
      expect(parsed).toEqual(eventSamples['lead.created']);
      expect(parsed).not.toHaveProperty('workspaceId');
    });

    it('throws InvalidEventPayloadError with the zod issues', () => {
      const err = thrownBy(() => parseEventPayload('order.attributed', { ...eventSamples['order.attributed'], amount: '12', currency: 'usd' })) as InvalidEventPayloadError;
      expect(err).toBeInstanceOf(InvalidEventPayloadError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe('InvalidEventPayloadError');
      expect(err.eventType).toBe('order.attributed');
      expect(err.issues.map((i) => i.path.join('.')).sort()).toEqual(['amount', 'currency']);
      expect(err.message).toContain('order.attributed');
    });

    it('does not echo payload values in the error message', () => {
      const err = thrownBy(() => parseEventPayload('lead.created', { ...eventSamples['lead.created'], email: 'secret-person' }));
      expect(err).toBeInstanceOf(InvalidEventPayloadError);
      expect((err as Error).message).toContain('email');
      expect((err as Error).message).not.toContain('secret-person');
    });
  });
});
