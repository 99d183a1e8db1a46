/** A lead's sales status (Persequor's): `new` when the pipeline creates it, then set through PATCH /leads/:id. */
export const leadStatuses = ['new', 'contacted', 'qualified', 'closed_won', 'closed_lost'] as const;
export type LeadStatus = (typeof leadStatuses)[number];
