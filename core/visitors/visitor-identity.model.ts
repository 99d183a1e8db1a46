import { Schema, model } from 'mongoose';

/**
 * Who owns an email or customer id in a workspace (`<ws>~email~<email>`): the unique `_id`
 * makes claiming an identity race-free, so two visitors can never both become that person.
 */
const identitySchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    kind: { type: String, enum: ['email', 'customer'], required: true },
    value: { type: String, required: true },
    visitorId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'visitor_identities' },
);

export interface VisitorIdentityDoc {
  _id: string;
  workspaceId: string;
  kind: 'email' | 'customer';
  value: string;
  visitorId: string;
  createdAt: Date;
}
export const VisitorIdentityModel = model('VisitorIdentity', identitySchema);
