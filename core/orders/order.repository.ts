import { OrderModel, type OrderDoc } from './order.model';
import { newestFirst, olderThan, sinceFilter, type Cursor } from '../platform/pagination';
import { insertOnce } from '../platform/insert-once';
import { inWorkspace } from '../platform/workspace-scoping';

export const orderRepository = {
  /** The id is derived from (workspace, shop order id): a repeated revenue event records one order. */
  async insertIfAbsent(order: OrderDoc): Promise<boolean> {
    return insertOnce(OrderModel, order);
  },

  async findById(id: string): Promise<OrderDoc | null> {
    return OrderModel.findById(id).lean<OrderDoc>();
  },

  async findInWorkspace(workspaceId: string, id: string): Promise<OrderDoc | null> {
    return inWorkspace(await this.findById(id), workspaceId);
  },

  async list(workspaceId: string, q: { limit: number; before?: Cursor; since?: Date }): Promise<OrderDoc[]> {
    return OrderModel.find({ workspaceId, $and: [olderThan(q.before), sinceFilter(q.since)] })
      .sort(newestFirst)
      .limit(q.limit)
      .lean<OrderDoc[]>();
  },
};
