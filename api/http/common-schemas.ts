import { z } from 'zod';

export const errorResponseSchema = z
  .object({
    error: z.string().meta({ description: 'Human-readable message', example: 'Request validation failed' }),
    code: z.string().meta({ description: 'Stable machine-readable code', example: 'validation_failed' }),
    details: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .meta({ description: 'Validation problems keyed by field path', example: { url: ['Invalid URL'] } }),
  })
  .meta({ id: 'Error' });

/** ISO 8601 timestamps on the wire. */
export const isoDate = z.iso.datetime({ offset: true });
