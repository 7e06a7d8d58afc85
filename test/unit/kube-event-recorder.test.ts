/**
 * An Event that cannot be written never fails its caller and is logged: as
 * a warning, except when its namespace is being deleted (every object's
 * Events fail then, and the namespace takes them anyway).
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EventRecorder } from '../../src/kube/event-recorder.js';
import { FakeKube } from './controller/fake-kube.js';
import { NS } from './controller/fixtures.js';

const object = { apiVersion: 'mailsync.io/v1alpha1', kind: 'MailSync', name: 'joe', namespace: NS, uid: 'u1' };

async function recordWith(fail: (kube: FakeKube) => void): Promise<{ level: number; msg: string }[]> {
  const kube = new FakeKube();
  fail(kube);
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  new EventRecorder(kube, log, 'mailsync-controller').record(object, 'Normal', 'Running', 'sync running');
  await new Promise((resolve) => setTimeout(resolve, 10));
  return lines.filter((l) => l.msg === 'could not record event');
}

describe('EventRecorder, when the API server refuses the Event', () => {
  it('an RBAC refusal is a warning', async () => {
    const lines = await recordWith((kube) => kube.fail({ verb: 'create', resource: 'events' }, 403, 'Forbidden'));
    expect(lines.map((l) => l.level)).toEqual([40]);
  });

  it('a namespace being deleted is only a debug line', async () => {
    const lines = await recordWith((kube) =>
      kube.fail({ verb: 'create', resource: 'events' }, 403, 'Forbidden', 1, {
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${NS} is being terminated` }],
      }),
    );
    expect(lines.map((l) => l.level)).toEqual([20]);
  });
});
