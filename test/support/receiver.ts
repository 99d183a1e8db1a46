import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** What to do with one request: a status (and optional headers/body), or full control. */
export type Reply = number | { status: number; headers?: Record<string, string>; body?: string } | ((res: ServerResponse, req: ReceivedRequest) => void);

/**
 * A real HTTP receiver on 127.0.0.1 for delivery tests. Replies are taken from a script in
 * order; when it runs out, `fallback` answers (200 by default).
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  private script: Reply[] = [];
  private waiters: Array<() => void> = [];
  private readonly server: Server;
  fallback: Reply = 200;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
        this.requests.push(received);
        this.answer(this.script.shift() ?? this.fallback, res, received);
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  static async start(): Promise<TestReceiver> {
    const receiver = new TestReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queue replies for the next requests. */
  reply(...replies: Reply[]): this {
    this.script.push(...replies);
    return this;
  }

  /** Resolves once at least `count` requests arrived (bounded wait). */
  async waitForRequests(count: number, timeoutMs = 20_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`receiver got ${this.requests.length} of ${count} requests in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.requests;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(reply: Reply, res: ServerResponse, req: ReceivedRequest): void {
    if (typeof reply === 'function') return reply(res, req);
    const { status, headers, body } = typeof reply === 'number' ? { status: reply, headers: {}, body: '' } : reply;
    res.writeHead(status, headers);
    res.end(body ?? '');
  }
}

/** The receivers a test file starts, closed together in afterAll. */
export class ReceiverPool {
  private readonly started: TestReceiver[] = [];

  async start(): Promise<TestReceiver> {
    const receiver = await TestReceiver.start();
    this.started.push(receiver);
    return receiver;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((r) => r.close()));
  }
}
