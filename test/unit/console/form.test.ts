import { describe, expect, it } from 'vitest';
import { echoFields, parseForm } from '../../../src/console/form.js';
import { goodFields } from './fakes.js';

describe('parseForm', () => {
  it('accepts a good form: passwords untrimmed, empty exclude lines dropped', () => {
    const result = parseForm(goodFields);
    expect(result).toEqual({
      ok: true,
      request: {
        pair: {
          source: { host: 'imap.old.example', tls: 'auto', user: 'joe', password: ' old pass ' },
          destination: {
            host: '127.0.0.1',
            port: 10993,
            tls: 'implicit',
            user: 'joe@new.example',
            password: 'new-pass',
          },
        },
        extras: { source: { insecureSkipVerify: false }, destination: { insecureSkipVerify: false } },
        options: { exclude: ['^Junk', '^Trash$'], dryRun: true },
      },
    });
  });

  it.each([
    ['s_host', '<script>alert(1)</script>', 'source host must be a host name or an IP address'],
    ['s_host', 'a'.repeat(254), 'source host must be a host name or an IP address'],
    ['d_host', '', 'destination host is required'],
    ['d_port', '70000', 'destination port must be a number from 1 to 65535'],
    ['d_port', '99a', 'destination port must be a number from 1 to 65535'],
    ['d_tls', 'ssl3', 'destination TLS must be one of auto, implicit, starttls, none'],
    ['s_user', 'joe\r\nA1 LOGOUT', 'source user must be at most 256 characters, without control characters'],
    ['s_user', 'u'.repeat(257), 'source user must be at most 256 characters, without control characters'],
    ['d_password', 'p'.repeat(1025), 'destination password must be at most 1024 characters, without line breaks'],
    ['d_password', '', 'destination password is required'],
    ['exclude', '(unclosed', 'folder pattern "(unclosed": /(unclosed/: Unterminated group'],
    ['exclude', Array.from({ length: 21 }, (_, i) => `f${i}`).join('\n'), 'at most 20 folder patterns'],
  ])('refuses %s = %j with a clear message', (field, value, message) => {
    const result = parseForm({ ...goodFields, [field]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toContainEqual({ field, message });
  });

  it('a field sent as a file or a list counts as missing', () => {
    const result = parseForm({ ...goodFields, s_host: ['a', 'b'] });
    expect(result.ok).toBe(false);
  });

  it('IPv6 addresses are hosts', () => {
    expect(parseForm({ ...goodFields, s_host: '::1' }).ok).toBe(true);
  });
});

describe('echoFields', () => {
  it('gives back everything but the passwords and the CSRF token', () => {
    expect(echoFields({ ...goodFields, csrf: 't' })).toEqual({
      s_host: 'imap.old.example',
      s_user: 'joe',
      d_host: '127.0.0.1',
      d_port: '10993',
      d_tls: 'implicit',
      d_user: 'joe@new.example',
      exclude: '^Junk\r\n\r\n^Trash$',
      dryrun: 'on',
    });
  });
});
