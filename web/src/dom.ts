/**
 * Building the page's elements. Every string from the data (AWS names, tags, descriptions,
 * rule text) goes in as a text node, never as HTML, and no attribute is set from the data
 * except plain text ones (ids in data-*, aria-label, title, value): nothing the data holds
 * can become markup, a script or a link target.
 */

type Child = Node | string | number | false | null | undefined;
type Attributes = Record<string, string | number | boolean | undefined>;

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    // Never an event handler, a URL or style from here: those are set in code, from constants.
    if (/^on/i.test(name) || name === 'style' || name === 'src' || name === 'srcdoc') throw new Error(`attribute ${name} is not set this way`);
    element.setAttribute(name, value === true ? '' : String(value));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

/** A link within the page: the path is built by the page from checked ids, never taken from the data. */
export function pageLink(path: string, text: string, navigate: (path: string) => void): HTMLAnchorElement {
  if (!path.startsWith('/') || path.startsWith('//')) throw new Error('a page link stays on this origin');
  const link = h('a', { href: path }, text);
  link.addEventListener('click', (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(path);
  });
  return link;
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}
