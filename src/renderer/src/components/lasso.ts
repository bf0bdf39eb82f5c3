/** The dataset map's geometry: fitting points into a canvas, and which points a drawn lasso holds. */
export interface MapPoint { id: number; x: number; y: number }
export type Xy = [number, number];

/** Scales the points' bounding box into width × height, `pad` pixels in, keeping its aspect. */
export function fitToCanvas(points: MapPoint[], width: number, height: number, pad = 12): (p: MapPoint) => Xy {
  if (points.length === 0) return () => [width / 2, height / 2];
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min((width - 2 * pad) / (maxX - minX || 1), (height - 2 * pad) / (maxY - minY || 1));
  const [offX, offY] = [(width - scale * (maxX - minX)) / 2, (height - scale * (maxY - minY)) / 2];
  return (p) => [offX + scale * (p.x - minX), offY + scale * (p.y - minY)];
}

/** Whether a point lies inside a closed polygon (even–odd rule). */
export function insidePolygon([x, y]: Xy, polygon: Xy[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The ids of the points a lasso (in canvas coordinates) holds. */
export function lassoed(points: MapPoint[], place: (p: MapPoint) => Xy, polygon: Xy[]): number[] {
  return polygon.length < 3 ? [] : points.filter((p) => insidePolygon(place(p), polygon)).map((p) => p.id);
}
