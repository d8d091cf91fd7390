import { readFileSync } from 'node:fs';

/** A V8 CPU profile (`node --cpu-prof`), the parts the bench reads. */
interface CpuProfile {
  /** Microseconds, on the same clock as the samples' times. */
  endTime: number;
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code comes from, by its file, in the words of the bench's table. */
const PLACES: Array<[RegExp, string]> = [
  [/\/dist\/(intake|wire|events)\//, 'module: intake (read, verify, validate)'],
  [/\/dist\/dispatch\//, 'module: dispatch'],
  [/\/dist\/store\//, 'module: store'],
  [/\/dist\//, 'module: other'],
  [/\/build\/demo\//, 'demo: domain handlers'],
  [/node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+)\//, 'pg driver'],
  [/node_modules\/typeorm\//, 'TypeORM'],
  [/node_modules\/@nestjs\//, 'Nest'],
  [/node_modules\/rxjs\//, 'rxjs'],
  [/node_modules\/(class-validator|class-transformer|validator)\//, 'class-validator'],
  [/node_modules\/(express|router|body-parser|finalhandler|send|serve-static|path-to-regexp|qs|raw-body|type-is|content-type|on-finished|depd|iconv-lite)\//, 'Express'],
  [/node_modules\/eventemitter2\//, 'event emitter'],
  [/node_modules\//, 'other packages'],
  [/^node:|^internal\//, 'Node core (http, net, streams, crypto)'],
];

function placeOf(functionName: string, url: string): string {
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8 and native (program)';
  for (const [pattern, place] of PLACES) if (pattern.test(url)) return place;
  return url === '' ? 'V8 and native (builtins)' : 'other';
}

export interface ProfileShare {
  place: string;
  ms: number;
  /** Of the busy (non-idle) time. */
  share: number;
}

/** Places that do work on behalf of a caller: their time is charged to the package that called them. */
const ON_BEHALF = new Set(['V8 and native (builtins)', 'Node core (http, net, streams, crypto)', 'other']);

/**
 * Self time per place, busiest first, idle left out. Time in V8 builtins (JSON.parse, regexps, …) and
 * in Node's own modules goes to the nearest caller that is a package or the module (JSON.parse of a
 * body is intake's cost, a socket write from pg is the driver's); what no package called (an incoming
 * connection, a timer) stays Node's.
 */
export function profileShares(path: string, lastMs: number): { busyMs: number; shares: ProfileShare[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  // Only the last `lastMs` before the process ended: the load and the shutdown, not the boot.
  const from = profile.endTime - lastMs * 1000;
  const at: number[] = [];
  let clock = profile.endTime - profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
  for (const delta of profile.timeDeltas) at.push((clock += delta));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const ownPlace = new Map(profile.nodes.map((node) => [node.id, placeOf(node.callFrame.functionName, node.callFrame.url)]));
  const charged = new Map<number, string>();
  const chargedPlace = (id: number): string => {
    const known = charged.get(id);
    if (known !== undefined) return known;
    const own = ownPlace.get(id) ?? 'other';
    let place = own;
    if (ON_BEHALF.has(own)) {
      const parent = parentOf.get(id);
      const inherited = parent === undefined ? own : chargedPlace(parent);
      place = ON_BEHALF.has(inherited) ? own : inherited;
    }
    charged.set(id, place);
    return place;
  };
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    if (at[i] < from) continue;
    const place = chargedPlace(profile.samples[i]);
    totals.set(place, (totals.get(place) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  totals.delete('idle');
  const busyMs = [...totals.values()].reduce((sum, ms) => sum + ms, 0);
  const shares = [...totals.entries()].map(([place, ms]) => ({ place, ms, share: ms / busyMs })).sort((a, b) => b.ms - a.ms);
  return { busyMs, shares };
}
