import { describe, expect, it } from 'vitest';
import { type Copied, CopyCounter, countCopied } from '../../src/controller/copy-counter.js';
import { RunLog } from '../../src/controller/run-log.js';

type Step = ['observe', string, number, number] | ['take', Copied];

describe('copied messages and bytes as counter increments', () => {
  it.each<[string, ConstructorParameters<typeof CopyCounter>[0], Step[]]>([
    [
      'running totals of one pod: each new part once; the summary adds only the rest',
      undefined,
      [
        ['observe', 'p1', 10, 1000],
        ['take', { messages: 10, bytes: 1000 }],
        ['observe', 'p1', 25, 2500],
        ['observe', 'p1', 25, 2500],
        ['take', { messages: 15, bytes: 1500 }],
        ['observe', 'p1', 30, 3000],
        ['take', { messages: 5, bytes: 500 }],
        ['take', { messages: 0, bytes: 0 }],
      ],
    ],
    [
      'a new pod of the run counts from zero',
      undefined,
      [
        ['observe', 'p1', 40, 4000],
        ['observe', 'p2', 3, 300],
        ['take', { messages: 43, bytes: 4300 }],
      ],
    ],
    [
      'after a controller restart: what the status recorded was counted already',
      { pod: 'p1', messages: 100, bytes: 10_000 },
      [
        ['observe', 'p1', 100, 10_000],
        ['take', { messages: 0, bytes: 0 }],
        ['observe', 'p1', 104, 10_400],
        ['take', { messages: 4, bytes: 400 }],
      ],
    ],
    [
      'a lower total (an older line) never counts down',
      undefined,
      [
        ['observe', 'p1', 50, 5000],
        ['observe', 'p1', 45, 4500],
        ['take', { messages: 50, bytes: 5000 }],
      ],
    ],
  ])('%s', (_what, baseline, steps) => {
    const counter = new CopyCounter(baseline);
    for (const step of steps) {
      if (step[0] === 'observe') counter.observe(step[1], step[2], step[3]);
      else expect(counter.take()).toEqual(step[1]);
    }
  });
});

describe('a run log feeds the counter from the worker lines', () => {
  const line = (at: string, body: object) => `2026-01-01T00:00:${at}.000000000Z ${JSON.stringify(body)}`;
  const progress = (at: string, copied: number, bytes: number) =>
    line(at, {
      event: 'progress',
      progress: {
        foldersDone: 0,
        foldersTotal: 1,
        messagesCopied: copied,
        messagesSkipped: 0,
        messagesFailed: 0,
        messagesTotal: 10,
        bytesCopied: bytes,
        messagesPerSecond: 1,
        bytesPerSecond: 100,
      },
    });

  it('counts progress as it comes; resuming from status does not count it again', () => {
    const counted = { messages: 0, bytes: 0 };
    const metrics = {
      messagesCopied: { inc: (n: number) => (counted.messages += n) },
      bytesCopied: { inc: (n: number) => (counted.bytes += n) },
    };
    const log = new RunLog();
    log.beginPod('pod-a');
    log.apply(progress('01', 3, 300));
    countCopied(metrics, log.copied);
    log.apply(progress('02', 7, 700));
    countCopied(metrics, log.copied);
    expect(counted).toEqual({ messages: 7, bytes: 700 });

    // A new controller process resumes from the status the first one wrote.
    const snapshot = log.snapshot();
    const resumed = new RunLog({ progress: snapshot.progress, position: snapshot.logStream });
    resumed.beginPod('pod-a');
    resumed.apply(progress('01', 3, 300));
    resumed.apply(progress('02', 7, 700));
    resumed.apply(progress('03', 9, 900));
    countCopied(metrics, resumed.copied);
    expect(counted).toEqual({ messages: 9, bytes: 900 });
  });
});
