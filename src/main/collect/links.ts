/** The picture links on a page: the elements a CSS selector picks, read with a real HTML parser (cheerio). */
import { load } from 'cheerio';

/**
 * Absolute http(s) URLs, each once, in page order. `attr` names the attribute to read; without it a link (`a`)
 * gives its href and anything else its src, or data-src where a page loads pictures lazily.
 */
export function pictureLinks(html: string, page: URL, selector: string, attr?: string): URL[] {
  const $ = load(html);
  const base = resolveOrUndefined($('base[href]').attr('href'), page) ?? page;
  const seen = new Set<string>();
  const links: URL[] = [];
  $(selector).each((_, el) => {
    const node = $(el);
    const value = attr ? node.attr(attr) : node.is('a') ? node.attr('href') : node.attr('src') ?? node.attr('data-src');
    const url = resolveOrUndefined(value, base);
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return;
    url.hash = '';
    if (seen.has(url.href)) return;
    seen.add(url.href);
    links.push(url);
  });
  return links;
}

function resolveOrUndefined(value: string | undefined, base: URL): URL | undefined {
  if (!value?.trim()) return undefined;
  try {
    return new URL(value.trim(), base);
  } catch {
    return undefined;
  }
}
