import { addBusyRetry, isSqliteBusy } from '../../core/platform/sqlite-busy-retry';

const busy = () => Object.assign(new Error('[db.go:134 fsql.(*DB).InTransaction] database is locked (5) (SQLITE_BUSY)'), { code: 1 });

describe('retry of SQLITE_BUSY writes', () => {
  it('repeats a write refused with SQLITE_BUSY until it goes through', async () => {
    let calls = 0;
    const target: Record<string, unknown> = {
      async insertOne(doc: unknown) {
        calls++;
        if (calls < 3) throw busy();
        return { acknowledged: true, doc };
      },
    };
    addBusyRetry(target);
    await expect((target.insertOne as (d: unknown) => Promise<unknown>)({ a: 1 })).resolves.toEqual({ acknowledged: true, doc: { a: 1 } });
    expect(calls).toBe(3);
  });

  it('does not retry other errors, and gives up after a bounded number of attempts', async () => {
    let duplicateCalls = 0;
    let busyCalls = 0;
    const target: Record<string, unknown> = {
      async updateOne() {
        duplicateCalls++;
        throw Object.assign(new Error('E11000 duplicate key'), { code: 11000 });
      },
      async deleteMany() {
        busyCalls++;
        throw busy();
      },
    };
    addBusyRetry(target);
    await expect((target.updateOne as () => Promise<unknown>)()).rejects.toThrow('E11000');
    expect(duplicateCalls).toBe(1);
    await expect((target.deleteMany as () => Promise<unknown>)()).rejects.toThrow('SQLITE_BUSY');
    expect(busyCalls).toBe(12);
  });

  it('recognises the error only by its SQLite cause', () => {
    expect(isSqliteBusy(busy())).toBe(true);
    expect(isSqliteBusy(new Error('connection closed'))).toBe(false);
    expect(isSqliteBusy('SQLITE_BUSY')).toBe(false);
  });
});
