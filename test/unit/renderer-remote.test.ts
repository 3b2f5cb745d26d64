// The New-hunt form asks before it sends load to a machine other than this one.
import { describe, expect, it } from 'vitest';
import { remoteHosts } from '../../renderer/src/lib/form';

describe('remoteHosts', () => {
  it('lets loopback targets through without asking', () => {
    expect(remoteHosts({ url: 'http://127.0.0.1:{port}/' })).toEqual([]);
    expect(remoteHosts({ url: 'http://localhost:8080/x', endpoints: [{ url: 'http://[::1]:1/' }] })).toEqual(
      [],
    );
  });
  it('names every other host once', () => {
    expect(
      remoteHosts({
        url: 'http://10.0.0.5:8080/',
        endpoints: [{ url: 'http://api.example.com/a' }, { url: 'http://10.0.0.5:8080/b' }],
      }),
    ).toEqual(['10.0.0.5', 'api.example.com']);
  });
});
