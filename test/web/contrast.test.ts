import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

/** WCAG AA: the page's text colours against their backgrounds, read from its style sheet, reach 4.5:1. */

function luminance(hex: string): number {
  const channels = [1, 3, 5]
    .map((start) => parseInt(hex.slice(start, start + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * channels[0]! + 0.7152 * channels[1]! + 0.0722 * channels[2]!;
}

export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

describe("the page's colours", () => {
  it('computes contrast as WCAG does', () => {
    assert.equal(contrast('#000000', '#ffffff').toFixed(1), '21.0');
    assert.equal(contrast('#777777', '#ffffff').toFixed(2), '4.48');
  });

  it('keeps every status colour, the text, the muted text and the links at 4.5:1 or more on their backgrounds', async () => {
    const css = await readFile(new URL('../../web/style.css', import.meta.url), 'utf8');
    const variables = Object.fromEntries([...css.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/g)].map((match) => [match[1]!, match[2]!]));
    const pairs: [string, string, string][] = [
      ['text', variables['text']!, '#ffffff'],
      ['muted', variables['muted']!, '#ffffff'],
      ['muted on the code background', variables['muted']!, '#f1f3f5'],
      ['link', /\na \{\s*color: (#[0-9a-f]{6})/.exec(css)![1]!, '#ffffff'],
      ['button', '#ffffff', /button \{[^}]*background: (#[0-9a-f]{6})/.exec(css)![1]!],
    ];
    for (const status of ['pass', 'fail', 'warn', 'unknown', 'na']) pairs.push([status, variables[status]!, variables[`${status}-bg`]!]);
    for (const [name, foreground, background] of pairs) {
      assert.ok(foreground && background, name);
      assert.ok(contrast(foreground, background) >= 4.5, `${name}: ${foreground} on ${background} is ${contrast(foreground, background).toFixed(2)}:1`);
    }
  });
});
