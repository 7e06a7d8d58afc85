/** Running syncs per host against the caps: --max-running-per-host and each migration's own (fixed or auto). */
import { describe, expect, it } from 'vitest';
import { atCap, hostLoads } from '../../../src/console/admin/host-load.js';
import { migration, sync } from './admin-objects.js';

describe('hostLoads', () => {
  it('counts Running syncs per role and host (case and trailing dot ignored), per migration with its cap', () => {
    const loads = hostLoads(
      [
        sync('a1', 'mail', 'Running', { migration: 'acme', source: 'IMAP.old.example.' }),
        sync('a2', 'mail', 'Running', { migration: 'acme' }),
        sync('a3', 'mail', 'Succeeded', { migration: 'acme' }),
        sync('solo', 'mail', 'Running', { source: 'mx.other.example' }),
      ],
      [migration('acme')],
      0,
    );
    expect(loads).toEqual([
      {
        role: 'destination',
        host: 'imap.new.example',
        running: 3,
        migrations: [{ migration: 'mail/acme', running: 2 }],
      },
      {
        role: 'source',
        host: 'imap.old.example',
        running: 2,
        migrations: [{ migration: 'mail/acme', running: 2, limit: 2, limitFrom: 'spec.concurrency' }],
      },
      { role: 'source', host: 'mx.other.example', running: 1, migrations: [] },
    ]);
    expect(loads.map(atCap)).toEqual([false, true, false]);
  });

  it('the global cap, and the limit concurrency.auto chose for the host', () => {
    const auto = migration('acme');
    auto.spec.concurrency = { auto: {} } as never;
    auto.status = {
      concurrency: { hosts: [{ role: 'source', host: 'imap.old.example', limit: 5, reason: 'grew' }], display: '' },
    };
    const [, source] = hostLoads([sync('a1', 'mail', 'Running', { migration: 'acme' })], [auto], 1);
    expect(source).toEqual({
      role: 'source',
      host: 'imap.old.example',
      running: 1,
      cap: 1,
      migrations: [{ migration: 'mail/acme', running: 1, limit: 5, limitFrom: 'auto' }],
    });
    expect(atCap(source!)).toBe(true);
  });
});
