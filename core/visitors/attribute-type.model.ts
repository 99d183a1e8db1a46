import { Schema, model } from 'mongoose';

/** The type of a custom visitor attribute, fixed per workspace by its first value (`<ws>~<label>`). */
const attributeTypeSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    label: { type: String, required: true },
    type: { type: String, enum: ['string', 'number', 'decimal', 'boolean'], required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'visitor_attribute_types' },
);

export interface AttributeTypeDoc {
  _id: string;
  workspaceId: string;
  label: string;
  type: 'string' | 'number' | 'decimal' | 'boolean';
  createdAt: Date;
}
export const AttributeTypeModel = model('VisitorAttributeType', attributeTypeSchema);
