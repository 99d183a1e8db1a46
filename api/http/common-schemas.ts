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

/** Salespanel's `select_by_first_activity=true|false`, for the visitors and companies lists. */
export const selectByFirstActivity = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .default('false')
  .transform((v) => v === 'true')
  .meta({ description: 'Order (and `since`/`before`) by first activity instead of last activity' });
