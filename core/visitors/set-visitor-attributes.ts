import { AppError, type FieldErrors } from '../platform/errors';
import type { IngestDeps } from '../ingest/accept-ingest-events';
import { attributeTypeRepository } from './attribute-type.repository';
import type { AttributeType, AttributeValue } from './visitor-types';
import { enqueueVisitorCommands, resolveVisitorTarget } from './enqueue-visitor-command';

export interface SetAttributesInput {
  workspaceId: string;
  visitorIdentifier: string;
  attributes: Record<string, AttributeValue>;
  createNew: boolean;
}

export function attributeTypeOf(value: AttributeValue): AttributeType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'number' : 'decimal';
  return 'string';
}

/** A decimal attribute also takes whole numbers; every other type takes only its own. */
function fits(fixed: AttributeType, given: AttributeType): boolean {
  return fixed === given || (fixed === 'decimal' && given === 'number');
}

/**
 * Salespanel's visitor-attributes: each attribute's type is fixed for the workspace by its first
 * value; a value of another type is a 400 naming the attribute, and nothing is written.
 */
export async function setVisitorAttributes(deps: IngestDeps, input: SetAttributesInput): Promise<{ id: string; visitorId: string }> {
  const target = await resolveVisitorTarget(input.workspaceId, input.visitorIdentifier, { createWithEmail: input.createNew });
  const entries = Object.entries(input.attributes);
  const fixed = await Promise.all(entries.map(([label]) => attributeTypeRepository.find(input.workspaceId, label)));
  assertTypes(entries, fixed);
  const claimed = await Promise.all(entries.map(([label, value], i) => fixed[i] ?? attributeTypeRepository.claim(input.workspaceId, label, attributeTypeOf(value))));
  assertTypes(entries, claimed);
  const commands = [
    ...(target.exists ? [] : [{ type: 'identify' as const, data: { email: input.visitorIdentifier.toLowerCase() } }]),
    { type: 'set_attributes' as const, data: { attributes: input.attributes } },
  ];
  const ids = await enqueueVisitorCommands(deps, { workspaceId: input.workspaceId, target, commands });
  return { id: ids[ids.length - 1], visitorId: target.visitorId };
}

function assertTypes(entries: Array<[string, AttributeValue]>, types: Array<AttributeType | null>): void {
  const details: FieldErrors = {};
  entries.forEach(([label, value], i) => {
    const type = types[i];
    if (type && !fits(type, attributeTypeOf(value))) details[`visitor_attributes.${label}`] = [`'${label}' is a ${type} attribute; got a ${attributeTypeOf(value)} value`];
  });
  if (Object.keys(details).length) throw AppError.validation(details, 'Attribute type mismatch');
}
