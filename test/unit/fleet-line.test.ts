// The fleet's one summary line counts each host once, by its verdict, or as failed when its
// hunt did not finish (an errored host, a lost link, a target that died).
import { describe, expect, it } from 'vitest';
import { type FleetHost, fleetLine, hostFolder } from '../../electron/engine/remote/fleet';

const host = (name: string, status: FleetHost['status'], verdict: FleetHost['verdict']): FleetHost => ({
  host: name,
  dir: `/f/${name}`,
  status,
  verdict,
  bytesPerRequest: verdict ? 1 : null,
  ci95: null,
  basis: null,
  unit: 'second',
  pid: 1,
  error: status === 'finished' ? null : 'why',
});

describe('fleetLine', () => {
  it('groups hosts by verdict; unfinished hunts count as failed whatever their verdict', () => {
    expect(
      fleetLine([
        host('web-1', 'finished', 'leak'),
        host('web-2', 'finished', 'no-leak'),
        host('web-3', 'finished', 'leak'),
        host('web-4', 'failed', 'inconclusive'),
        host('web-5', 'error', null),
        host('web-6', 'finished', 'inconclusive'),
      ]),
    ).toBe(
      '6 hosts: leak on 2 (web-1, web-3); no leak on 1 (web-2); inconclusive on 1 (web-6); failed on 2 (web-4, web-5)',
    );
  });

  it('host names as folder names', () => {
    expect(hostFolder('ops@web-3')).toBe('ops@web-3');
    expect(hostFolder('ops@[::1]:2222')).toBe('ops@___1__2222');
  });
});
