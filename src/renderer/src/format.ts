/** Numbers as the views print them. */

/** Three significant digits: KID is 0.004 in one feature space and 2,500 in another. */
export const significant = (v: number): string => (Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(3));
