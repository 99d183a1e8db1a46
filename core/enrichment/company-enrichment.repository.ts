import { providerNames } from './enrichment-settings';
import { replaceOrInsert } from '../platform/insert-once';
import { CompanyEnrichmentModel, type CompanyEnrichmentDoc } from './company-enrichment.model';

export const companyEnrichmentRepository = {
  async save(doc: Omit<CompanyEnrichmentDoc, '_id'>): Promise<void> {
    await replaceOrInsert(CompanyEnrichmentModel, { _id: `${doc.companyId}:${doc.provider}`, ...doc });
  },

  /** Every provider's details of a company, merged in provider order (a later provider fills gaps, never overwrites). */
  async mergedDetails(companyId: string): Promise<Record<string, string>> {
    const docs = await Promise.all(providerNames.map((p) => CompanyEnrichmentModel.findById(`${companyId}:${p}`).lean<CompanyEnrichmentDoc>()));
    const merged: Record<string, string> = {};
    for (const doc of docs) for (const [key, value] of Object.entries(doc?.details ?? {})) merged[key] ??= value;
    return merged;
  },
};
