/**
 * robots.txt, one per origin, read once per collection (robots-parser does the matching). As RFC 9309 says: a
 * missing file (4xx) allows everything; one the server failed to give (5xx, unreachable, after retries) forbids
 * everything on that origin, since the rules could not be read.
 */
import robotsParser from 'robots-parser';
import { AddressRefused } from './addressGuard';

export interface RobotRules {
  allows(url: URL): boolean;
  /** Crawl-delay for our agent, in milliseconds (0 when none is given). */
  delayMs: number;
  /** Why everything is forbidden, when the file could not be read. */
  unreadable?: string;
}

export type RobotsFetch = (url: URL) => Promise<{ status: number; text: string }>;

export class RobotsCache {
  private readonly byOrigin = new Map<string, RobotRules>();

  constructor(private readonly userAgent: string, private readonly fetchRobots: RobotsFetch) {}

  async rules(url: URL): Promise<RobotRules> {
    const known = this.byOrigin.get(url.origin);
    if (known) return known;
    const robotsUrl = new URL('/robots.txt', url.origin);
    let rules: RobotRules;
    try {
      const res = await this.fetchRobots(robotsUrl);
      if (res.status >= 400 && res.status < 500) rules = { allows: () => true, delayMs: 0 };
      else if (res.status !== 200) throw new Error(`the server answered ${res.status}`);
      else {
        const robot = robotsParser(robotsUrl.href, res.text);
        rules = {
          allows: (u) => robot.isAllowed(u.href, this.userAgent) !== false,
          delayMs: (robot.getCrawlDelay(this.userAgent) ?? 0) * 1000,
        };
      }
    } catch (err) {
      // cancelled, or a host we may not reach at all: that is the answer, not an unreadable file
      if ((err as Error).message === 'cancelled' || err instanceof AddressRefused) throw err;
      const why = `${robotsUrl.href} could not be read (${(err as Error).message}), so nothing on ${url.origin} is fetched`;
      rules = { allows: () => false, delayMs: 0, unreadable: why };
    }
    this.byOrigin.set(url.origin, rules);
    return rules;
  }
}
