import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

type Service = { ports?: Array<string | { published?: string | number; host_ip?: string }> };
const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };

/** The host address a published port binds to ("0.0.0.0" when the mapping names none). */
function hostAddresses(service: Service): string[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port !== 'string') return port.host_ip ?? '0.0.0.0';
    const parts = port.split(':');
    return parts.length === 3 ? parts[0] : '0.0.0.0';
  });
}

describe('docker-compose.yml', () => {
  // Temporal and its UI have no authentication in this stack: published, they would let anyone
  // read event payloads and signal workflows past the API's validation.
  it.each(['temporal', 'temporal-ui', 'mongodb', 'postgresql'])('publishes %s on the loopback interface only, if at all', (name) => {
    expect(compose.services[name]).toBeDefined();
    for (const address of hostAddresses(compose.services[name])) expect(address).toBe('127.0.0.1');
  });

  it('publishes the API, the one service meant to be reached', () => {
    expect(compose.services.api.ports).toEqual(['3000:3000']);
  });
});
