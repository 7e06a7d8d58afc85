/** SASL responses against the examples of their RFCs. */
import { describe, expect, it } from 'vitest';
import { cramMd5Response, saslPlainResponse } from '../../src/sync/sasl.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const text = (s: string) => Buffer.from(s, 'base64').toString('utf8');

describe('CRAM-MD5 (RFC 2195)', () => {
  it('answers the RFC example: tim / tanstaaftanstaaf', () => {
    const challenge = b64('<1896.697170952@postoffice.reston.mci.net>');
    expect(text(cramMd5Response('tim', 'tanstaaftanstaaf', challenge))).toBe('tim b913a602c7eda7a495b4e6e7334d3890');
  });

  it('takes the challenge as the server sends it (trailing space or CR)', () => {
    const challenge = b64('<1896.697170952@postoffice.reston.mci.net>');
    expect(cramMd5Response('tim', 'tanstaaftanstaaf', `${challenge} \r`)).toBe(
      cramMd5Response('tim', 'tanstaaftanstaaf', challenge),
    );
  });

  it('never carries the password', () => {
    const response = text(cramMd5Response('joe', 'hunter2', b64('<1.2@example>')));
    expect(response).not.toContain('hunter2');
    expect(response).toMatch(/^joe [0-9a-f]{32}$/);
  });
});

describe('PLAIN (RFC 4616)', () => {
  it('admin login: authzid is the user, authcid the admin', () => {
    expect(text(saslPlainResponse('joe', 'admin', 'pw'))).toBe('joe\u0000admin\u0000pw');
  });
});
