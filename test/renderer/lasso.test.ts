import { describe, expect, it } from 'vitest';
import { fitToCanvas, insidePolygon, lassoed } from '../../src/renderer/src/components/lasso';

describe('the dataset map geometry', () => {
  it('fits the points into the canvas keeping their aspect, centred', () => {
    const place = fitToCanvas([{ id: 1, x: -1, y: 0 }, { id: 2, x: 1, y: 1 }], 200, 100, 10);
    // width 2 and height 1 in a 180 × 80 box: scale 80 (the height binds), centred across
    expect(place({ id: 1, x: -1, y: 0 })).toEqual([20, 10]);
    expect(place({ id: 2, x: 1, y: 1 })).toEqual([180, 90]);
  });

  it('tells inside from outside of a concave lasso', () => {
    const u: [number, number][] = [[0, 0], [10, 0], [10, 10], [7, 10], [7, 3], [3, 3], [3, 10], [0, 10]];
    expect(insidePolygon([1, 5], u)).toBe(true);
    expect(insidePolygon([5, 5], u)).toBe(false); // in the notch
    expect(insidePolygon([5, 1], u)).toBe(true);
    expect(insidePolygon([11, 1], u)).toBe(false);
  });

  it('selects the ids of the points a lasso holds, and none for a stroke too short to close', () => {
    const points = [{ id: 7, x: 1, y: 1 }, { id: 8, x: 5, y: 5 }, { id: 9, x: 9, y: 1 }];
    const place = (p: { x: number; y: number }): [number, number] => [p.x, p.y];
    expect(lassoed(points, place, [[0, 0], [6, 0], [6, 6], [0, 6]])).toEqual([7, 8]);
    expect(lassoed(points, place, [[0, 0], [6, 6]])).toEqual([]);
  });
});
