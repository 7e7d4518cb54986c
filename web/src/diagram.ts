import type { Report } from '../../src/core/report.js';
import { h, svg } from './dom.js';
import { FORWARD, HOPS, RETURN, STATUS_ORDER, STATUS_TEXT, type Status } from './hops.js';

/**
 * The path as a diagram: one lane per endpoint network interface (and port), the forward
 * hops left to right, the return hops beneath, right to left. Each hop is a focusable
 * button in the SVG: its status shows as a colour, a glyph and a word (readable without
 * colour), and opening it (click, Enter, Space) shows its evidence and its fix.
 */

type Check = Report['checks'][number];
type Path = Report['paths'][number];

export interface HopSelection {
  readonly checkId: string;
  readonly path: Path;
  readonly checks: readonly Check[];
}

const HOP_WIDTH = 128;
const HOP_HEIGHT = 46;
const GAP = 18;
const ROW_GAP = 30;

const PROVIDER_HOPS: readonly string[] = [
  'service.listener',
  'nlb.sg.inbound',
  'nlb.sg.outbound',
  'target.sg.inbound',
  'target.nacl.inbound',
  'target.health',
  'target.nacl.outbound',
];

function worst(checks: readonly Check[]): Status {
  let found: Status = 'not_applicable';
  for (const check of checks) if (STATUS_ORDER.indexOf(check.status as Status) < STATUS_ORDER.indexOf(found)) found = check.status as Status;
  return found;
}

/** The checks of one lane: those scoped to its interface and port (a check with no interface or port applies to every lane). */
export function laneChecks(report: Report, path: Path, checkId: string): Check[] {
  return report.checks.filter(
    (check) =>
      check.id === checkId &&
      (check.scope.networkInterfaceId === undefined || check.scope.networkInterfaceId === path.networkInterfaceId) &&
      (check.scope.port === undefined || check.scope.port === path.port) &&
      check.id !== 'endpoint.state',
  );
}

function hopNode(x: number, y: number, label: string, title: string, status: Status | 'none', onOpen: () => void, detail: string): SVGGElement {
  const text = status === 'none' ? undefined : STATUS_TEXT[status];
  const group = svg(
    'g',
    {
      class: `hop status-${status === 'not_applicable' ? 'na' : status}`,
      transform: `translate(${x} ${y})`,
      role: 'button',
      tabindex: 0,
      'data-hop': label,
      'data-status': status,
      'aria-label': `${title}: ${text ? text.word : 'not judged'}${detail ? `, ${detail}` : ''}`,
    },
    svg('title', {}, `${title}: ${text ? text.word : 'not judged'}`),
    svg('rect', { width: HOP_WIDTH, height: HOP_HEIGHT, rx: 6 }),
    svg('text', { x: 8, y: 19, class: 'hop-label' }, label),
    svg('text', { x: 8, y: 37, class: 'hop-status' }, text ? `${text.glyph} ${text.word}` : detail),
  );
  group.addEventListener('click', onOpen);
  group.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onOpen();
    }
  });
  return group;
}

/** A path passes, warns (the return allowed on part of the ports), fails or cannot be judged. */
export function pathStatus(path: Path): Status {
  return path.status === 'pass' && path.warnedChecks.length > 0 ? 'warn' : path.status;
}

function arrow(x1: number, y1: number, x2: number, y2: number): SVGLineElement {
  return svg('line', { x1, y1, x2, y2, class: 'arrow', 'marker-end': 'url(#arrowhead)' });
}

/** The diagram of every lane, and a callback when a hop is opened. */
export function pathDiagram(report: Report, onSelect: (selection: HopSelection) => void): HTMLElement {
  const container = h('div', { class: 'diagram' });
  for (const path of report.paths) {
    const present = (id: string) => laneChecks(report, path, id).length > 0;
    // A provider side that does not apply (an AWS service) is one hop, not seven.
    const providerApplies = PROVIDER_HOPS.some((id) => laneChecks(report, path, id).some((check) => check.status !== 'not_applicable'));
    const shown = (id: string) => present(id) && (providerApplies || !PROVIDER_HOPS.includes(id) || id === 'service.listener');
    const forward = FORWARD.filter((id) => id === 'interface' || shown(id));
    const back = RETURN.filter((id) => shown(id));
    const width = forward.length * (HOP_WIDTH + GAP) + GAP;
    const height = 2 * HOP_HEIGHT + ROW_GAP + 2 * GAP;
    const laneTitle = `${path.networkInterfaceId} ${path.ipAddress ?? ''} ${path.availabilityZone ?? ''}${path.availabilityZoneId ? ` (${path.availabilityZoneId})` : ''} port ${path.port}`;
    const graphic = svg(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, width, height, role: 'group', 'aria-label': `Path through ${laneTitle}: ${path.status}`, class: 'lane-graphic' },
      svg(
        'defs',
        {},
        svg(
          'marker',
          { id: 'arrowhead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
          svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }),
        ),
      ),
    );
    const forwardY = GAP;
    const returnY = GAP + HOP_HEIGHT + ROW_GAP;
    forward.forEach((id, index) => {
      const x = GAP + index * (HOP_WIDTH + GAP);
      if (index > 0) graphic.appendChild(arrow(x - GAP, forwardY + HOP_HEIGHT / 2, x - 2, forwardY + HOP_HEIGHT / 2));
      if (id === 'interface') {
        graphic.appendChild(
          hopNode(
            x,
            forwardY,
            'Interface',
            `Endpoint interface ${path.networkInterfaceId}`,
            pathStatus(path),
            () => onSelect({ checkId: 'interface', path, checks: [] }),
            path.ipAddress ?? '',
          ),
        );
        return;
      }
      const checks = laneChecks(report, path, id);
      graphic.appendChild(hopNode(x, forwardY, HOPS[id].label, HOPS[id].title, worst(checks), () => onSelect({ checkId: id, path, checks }), ''));
    });
    // The return lane runs right to left under the forward one, ending at the client.
    const returnStart = GAP + (forward.length - back.length) * (HOP_WIDTH + GAP);
    back.forEach((id, index) => {
      const x = returnStart + index * (HOP_WIDTH + GAP);
      if (index > 0) graphic.appendChild(arrow(x - 2, returnY + HOP_HEIGHT / 2, x - GAP, returnY + HOP_HEIGHT / 2));
      const checks = laneChecks(report, path, id);
      graphic.appendChild(hopNode(x, returnY, HOPS[id].label, HOPS[id].title, worst(checks), () => onSelect({ checkId: id, path, checks }), ''));
    });
    const status = STATUS_TEXT[pathStatus(path)];
    container.appendChild(
      h(
        'figure',
        { class: `lane lane-${pathStatus(path)}`, 'data-eni': path.networkInterfaceId, 'data-port': path.port },
        h('figcaption', {}, h('span', { class: 'lane-status' }, `${status.glyph} ${status.word}`), ' ', laneTitle),
        h('div', { class: 'lane-scroll' }, graphic),
        h('p', { class: 'lane-legend' }, 'Top: client to targets. Bottom: the return, to the client.'),
      ),
    );
  }
  return container;
}
