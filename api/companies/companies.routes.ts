import { listQuerySchema, pageSchema, toPageBy } from '../../core/platform/pagination';
import type { CompanyDoc } from '../../core/companies/company.model';
import { companyRepository } from '../../core/companies/company.repository';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { selectByFirstActivity } from '../http/common-schemas';
import { companyView, companyViewSchema, companyViewsOf } from './company-views';

const companyListQuery = listQuerySchema.extend({ select_by_first_activity: selectByFirstActivity });

export function registerCompanyRoutes(api: ApiRouter, _deps: ApiDeps): void {
  api.route({
    method: 'get',
    path: '/companies',
    summary: 'List visiting companies',
    description: "Companies known from identified visitors' company or work-email domain, most recently active first.",
    tags: ['Companies'],
    auth: 'secret',
    scope: 'read',
    query: companyListQuery,
    responses: { 200: { description: 'Most recently active first', schema: pageSchema(companyViewSchema) } },
    handler: async ({ query, res }) => {
      const byFirstActivity = query.select_by_first_activity;
      const rows = await companyRepository.list(authOf(res).workspace._id, { ...query, byFirstActivity, limit: query.limit + 1 });
      const cursorOf = (c: CompanyDoc) => ({ at: byFirstActivity ? c.firstSeenAt : c.lastSeenAt, id: c._id });
      const views = await companyViewsOf(rows.slice(0, query.limit));
      return { status: 200, body: toPageBy(rows, query.limit, (c) => views.get(c._id) ?? companyView(c), cursorOf) };
    },
  });
}
