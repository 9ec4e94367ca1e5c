// The CLI's --node: an address as a person writes it (issue 12).
import { describe, expect, it } from 'vitest';
import { nodeUrl } from '../../src/cli/client.js';

describe('--node', () => {
  it('takes host:port (http assumed), a URL, a trailing slash', () => {
    expect(nodeUrl('127.0.0.1:8402')).toBe('http://127.0.0.1:8402');
    expect(nodeUrl('localhost:8402/')).toBe('http://localhost:8402');
    expect(nodeUrl('https://jp.example:8443')).toBe('https://jp.example:8443');
    expect(nodeUrl('http://[::1]:8402')).toBe('http://[::1]:8402');
  });

  it('refuses what is no node address, naming the flag', () => {
    expect(() => nodeUrl('ftp://jp.example')).toThrow(
      /--node 'ftp:\/\/jp.example' is not a node address/,
    );
    expect(() => nodeUrl('http://')).toThrow(/--node/);
    expect(() => nodeUrl('a b:1')).toThrow(/--node 'a b:1'/);
  });
});

describe('alert lines', () => {
  it('an exercise or a test says so before anything else; an actual alert does not', async () => {
    const { statusMark } = await import('../../src/cli/alert.js');
    expect(statusMark('Exercise')).toBe('EXERCISE — ');
    expect(statusMark('Test')).toBe('TEST — ');
    expect(statusMark('Actual')).toBe('');
  });
});
