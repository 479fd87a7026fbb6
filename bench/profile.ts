import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';

/** The parts of a V8 .cpuprofile (written by `node --cpu-prof`) that self time needs. */
interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: readonly number[] }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileLine {
  readonly name: string;
  readonly ms: number;
  /** Share of the busy (non-idle) time. */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly busyMs: number;
  readonly idleMs: number;
  readonly topFunctions: readonly ProfileLine[];
  /** Self time grouped by where the code lives: a package, one of our folders, Node internals, GC. */
  readonly byArea: readonly ProfileLine[];
  /** Our own functions (src/, blocks/) by inclusive time: the time spent in them and everything they called. */
  readonly ourInclusive: readonly ProfileLine[];
}

const root = new URL('..', import.meta.url).pathname;

function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const path = relative(root, url.replace(/^file:\/\//, ''));
  return path.split('/').slice(0, 2).join('/');
}

function top(map: Map<string, number>, busy: number, count: number): ProfileLine[] {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Math.round((us / busy) * 1000) / 10 }));
}

const isOurs = (url: string): boolean => /\/(src|blocks)\//.test(url) && !url.includes('node_modules');

/** Self time per function and per area, and inclusive time of our own functions, from the sampled stacks. */
export async function summariseProfile(file: string, count = 12): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const nameOf = (frame: CpuProfile['nodes'][number]['callFrame']): string => {
    const where = frame.url ? `${relative(root, frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}` : '';
    return `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  };
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frame = frames.get(id);
    if (!frame || frame.functionName === '(idle)') {
      idle += us;
      return;
    }
    busy += us;
    const name = nameOf(frame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const area = areaOf(frame.url, frame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parentOf.get(node)) {
      const f = frames.get(node);
      if (!f || !isOurs(f.url)) continue;
      const ours = nameOf(f);
      if (seen.has(ours)) continue;
      seen.add(ours);
      inclusive.set(ours, (inclusive.get(ours) ?? 0) + us);
    }
  });
  return {
    file, busyMs: Math.round(busy / 1000), idleMs: Math.round(idle / 1000),
    topFunctions: top(byFunction, busy, count), byArea: top(byArea, busy, count), ourInclusive: top(inclusive, busy, count),
  };
}

export function formatProfile(label: string, s: ProfileSummary): string {
  const lines = [`${label}: busy ${s.busyMs} ms, idle ${s.idleMs} ms (${s.file})`, '  by area (self time):'];
  for (const a of s.byArea) lines.push(`    ${a.percent.toFixed(1).padStart(5)}%  ${a.ms.toString().padStart(6)} ms  ${a.name}`);
  lines.push('  top functions (self time):');
  for (const f of s.topFunctions) lines.push(`    ${f.percent.toFixed(1).padStart(5)}%  ${f.ms.toString().padStart(6)} ms  ${f.name}`);
  lines.push('  our code (inclusive time):');
  for (const f of s.ourInclusive) lines.push(`    ${f.percent.toFixed(1).padStart(5)}%  ${f.ms.toString().padStart(6)} ms  ${f.name}`);
  return lines.join('\n');
}
