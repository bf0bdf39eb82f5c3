// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { preventStrayDrops } from '../../src/renderer/src/dropGuard';

describe('stray drops', () => {
  it('are cancelled wherever they land, after a drop zone has had its turn', () => {
    const zone = document.createElement('div');
    const outside = document.createElement('p');
    document.body.append(zone, outside);
    const zoneSaw: string[] = [];
    zone.addEventListener('drop', (e) => zoneSaw.push(`${e.type}:${e.defaultPrevented}`));
    const drop = (el: Element, type: string): boolean => {
      const e = new Event(type, { bubbles: true, cancelable: true });
      el.dispatchEvent(e);
      return e.defaultPrevented;
    };
    expect(drop(outside, 'drop')).toBe(false);
    preventStrayDrops(window);
    expect(drop(outside, 'drop')).toBe(true);
    expect(drop(outside, 'dragover')).toBe(true);
    expect(drop(zone, 'drop')).toBe(true);
    expect(zoneSaw).toEqual(['drop:false']); // the zone handled it before the window cancelled it
  });
});
