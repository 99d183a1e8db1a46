import { AttributeTypeModel, type AttributeTypeDoc } from './attribute-type.model';
import type { AttributeType } from './visitor-types';
import { insertOnce } from '../platform/insert-once';

const idOf = (workspaceId: string, label: string) => `${workspaceId}~${label}`;
/** Types never change once set, so each process may remember them for good. */
const known = new Map<string, AttributeType>();

export const attributeTypeRepository = {
  async find(workspaceId: string, label: string): Promise<AttributeType | null> {
    const id = idOf(workspaceId, label);
    const cached = known.get(id);
    if (cached) return cached;
    const doc = await AttributeTypeModel.findById(id).lean<AttributeTypeDoc>();
    if (doc) known.set(id, doc.type);
    return doc?.type ?? null;
  },

  /** Fixes the type of a new attribute; when another request won the race, returns its type. */
  async claim(workspaceId: string, label: string, type: AttributeType): Promise<AttributeType> {
    const id = idOf(workspaceId, label);
    if (!(await insertOnce(AttributeTypeModel, { _id: id, workspaceId, label, type, createdAt: new Date() }))) return (await this.find(workspaceId, label)) ?? type;
    known.set(id, type);
    return type;
  },
};
