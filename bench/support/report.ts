/**
 * The run's report: issue 18's targets table (every row, met or missed), the peers with what each
 * gives up, the per-phase detail with the guard rails (generator ceiling, other processes' CPU), the
 * correctness checks and the profile. Ratios are medians of per-round ratios: a target ÷ the target it
 * is compared with in the same round.
 */
import type { LoadRun, PacedRun, StormRun } from './load';
import type { HeapSample } from './loop-probe';
import { type Ceiling, type PhaseRecord, type TargetName, TUNED } from './phases';
import type { ProfileShare } from './profile';

/** The issue's targets. Reported, never enforced: a miss does not fail the run. */
export const TARGETS = {
  intakeOverNestMin: 1.5,
  fastestOverBareMin: 0.9,
  handledOverPipelineMin: 0.8,
  p99IntakeOverBareMax: 2,
  p99HandlersOverBareMax: 2.5,
  heldP99RatioMax: 1.2,
  badSignatureOverBareMin: 0.6,
  memoryLimitedMin: 0.95,
  /** "No heap growth" from 100 k to 1 M stored events, read as: heap after GC grows by at most this share. */
  heapGrowthMax: 0.1,
  historyMin: 0.9,
  unstoredMax: 0,
} as const;

/** A phase whose request rate came this close to the generator's ceiling measured the generator. */
export const CEILING_SHARE = 0.8;
/** Other processes taking this many cores during a phase make its figures pessimistic. */
export const NOISE_CORES = 0.25;

export interface Phases {
  intake: PhaseRecord<LoadRun>[];
  steady: PhaseRecord<PacedRun>[];
  badSignature: PhaseRecord<LoadRun>[];
}

/** One stretch of closed-loop load in the memory phase, on a table seeded to `storedRows`. */
export interface MemoryStretch {
  storedRows: number;
  seedSec: number;
  events: number;
  okPerSec: number;
  handledPerSec: number | undefined;
  /** Heap in use after a full collection, once the stretch's backlog was handled. */
  heap: HeapSample | undefined;
  rssMb: number;
}

export interface MemoryPhase {
  /** The node flags it ran under (the heap limit and its like). */
  flags: string;
  stretchSec: number;
  stretches: MemoryStretch[];
  acknowledged: number;
  missing: number;
  peakMb: number;
}

export interface ReportInput {
  settings: { rounds: number; phaseSec: number; connections: number; steadyRate: number; historyRows: number; memoryLimitMb: number; memoryFlags: string; holdMs: number };
  labels: Record<TargetName, string>;
  /** The targets that are a supported intake path of the module; the fastest is judged against the bare receiver. */
  intakePaths: TargetName[];
  phases: Phases;
  ceiling: Ceiling;
  storms: Record<string, StormRun & { rowsStored: number }>;
  /** Per target, after every backlog was worked off: acknowledged ids missing from its table. */
  durability: Partial<Record<TargetName, { acknowledged: number; missing: number }>>;
  /** Per process. */
  memory: Record<string, { peakMb: number; sampledMaxMb: number; heap?: HeapSample }>;
  memoryPhase: MemoryPhase | undefined;
  /** Rows the handlers wrote (charges; the host app's own table), per target that has handlers, and the events it stored. */
  charges: Partial<Record<TargetName, { rows: number; events: number }>>;
  profile: { busyMs: number; shares: ProfileShare[]; events: number } | undefined;
}

export interface Verdict {
  figure: string;
  measured: string;
  against: string;
  /** Median of the per-round ratios, each round's in brackets. */
  ratio: string;
  target: string;
  met: boolean | undefined;
  /** How many of the phases behind the row ran while other processes took ≥ NOISE_CORES: a verdict from disturbed phases is weak. */
  disturbed?: string;
}

function fmt(value: number | undefined, digits: number): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function median(values: number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}

const of = <R>(records: PhaseRecord<R>[], name: TargetName): PhaseRecord<R>[] => records.filter((record) => record.target === name);

/** Per round: value(target) ÷ value(the other target) of the same round. */
function pairs<R>(records: PhaseRecord<R>[], name: TargetName, against: TargetName, value: (record: PhaseRecord<R>) => number): number[] {
  return of(records, name).map((record) => {
    const other = records.find((candidate) => candidate.round === record.round && candidate.target === against);
    return other ? value(record) / value(other) : NaN;
  });
}

const med = <R>(records: PhaseRecord<R>[], name: TargetName, value: (record: PhaseRecord<R>) => number): number => median(of(records, name).map(value));
const ratioText = (ratios: number[]): string => `${fmt(median(ratios), 2)}× (${ratios.map((r) => fmt(r, 2)).join(', ')})`;

const stored = (record: PhaseRecord<LoadRun>): number => record.run.okPerSec;
const handled = (record: PhaseRecord<LoadRun>): number => record.handledPerSec ?? NaN;
const p50 = (record: PhaseRecord<PacedRun>): number => record.run.latencyMs.p50;
const p99 = (record: PhaseRecord<PacedRun>): number => record.run.latencyMs.p99;
const cpuPerEvent = (record: PhaseRecord<LoadRun>): number => record.withBacklog.cpuMsPerEvent;
const rejections = (record: PhaseRecord<LoadRun>): number => (record.run.statusCodes['401'] ?? 0) / record.run.durationSec;

export function buildReport(input: ReportInput): { text: string; verdicts: Verdict[]; peers: Verdict[] } {
  const { phases, labels, settings } = input;
  const { intake, steady, badSignature } = phases;
  const rate = `${settings.steadyRate}/s`;

  /** A judged row comparing `name` with `against` phase by phase. */
  const judged = <R>(
    figure: string,
    records: PhaseRecord<R>[],
    name: TargetName,
    against: TargetName,
    value: (record: PhaseRecord<R>) => number,
    target: string,
    met: ((ratio: number) => boolean) | undefined,
    digits = 0,
  ): Verdict => {
    const ratios = pairs(records, name, against, value);
    const ratio = median(ratios);
    const behind = [...of(records, name), ...of(records, against)];
    return {
      figure,
      measured: `${fmt(med(records, name, value), digits)} ${labels[name]}`,
      against: `${fmt(med(records, against, value), digits)} ${labels[against]}`,
      ratio: ratioText(ratios),
      target,
      met: met === undefined ? undefined : Number.isFinite(ratio) && met(ratio),
      disturbed: `${behind.filter((record) => record.resources.otherCores >= NOISE_CORES).length}/${behind.length}`,
    };
  };

  // The fastest supported intake path, by its median 2xx/s; it must also beat the Express recipe.
  const fastest = [...input.intakePaths].sort((a, b) => med(intake, b, stored) - med(intake, a, stored))[0];
  const fastestRow = judged(
    `intake, fastest supported path (${labels[fastest]}) ÷ bare receiver, max 2xx/s`,
    intake,
    fastest,
    'bare',
    stored,
    `≥ ${TARGETS.fastestOverBareMin}× and > Express recipe (${fmt(med(intake, 'express', stored), 0)}/s)`,
    (r) => r >= TARGETS.fastestOverBareMin,
  );
  fastestRow.met = fastestRow.met === true && med(intake, fastest, stored) > med(intake, 'express', stored);
  const fastestRejecting = [...input.intakePaths].sort((a, b) => med(badSignature, b, rejections) - med(badSignature, a, rejections))[0];

  const heldRow = judged(
    `intake p99 at ${rate}, handler holding a ${settings.holdMs} ms transaction ÷ same handler without the hold (ms)`,
    steady,
    'held',
    'unheld',
    p99,
    `≤ ${TARGETS.heldP99RatioMax}×`,
    (r) => r <= TARGETS.heldP99RatioMax,
    1,
  );
  const heldRefused = of(steady, 'held').reduce((sum, record) => sum + record.run.non2xx + record.run.errors + record.run.timeouts, 0);
  if (heldRefused > 0) heldRow.measured += ` (+${heldRefused} not answered 2xx, left out of the p99)`;

  const verdicts: Verdict[] = [
    judged(
      'intake (dispatch off, default path) ÷ hand-written Nest controller, max 2xx/s',
      intake,
      'intake',
      'nest',
      stored,
      `≥ ${TARGETS.intakeOverNestMin}×`,
      (r) => r >= TARGETS.intakeOverNestMin,
    ),
    fastestRow,
    judged(
      'app with handlers ÷ bare pipeline, events handled/s end to end (stored and processed)',
      intake,
      'app',
      'pipeline',
      handled,
      `≥ ${TARGETS.handledOverPipelineMin}×`,
      (r) => r >= TARGETS.handledOverPipelineMin,
    ),
    judged(
      `app with handlers, tuned (direct route, ${TUNED.concurrency} at once, pool of ${TUNED.poolSize}) ÷ bare pipeline, events handled/s`,
      intake,
      'tuned',
      'pipeline',
      handled,
      `≥ ${TARGETS.handledOverPipelineMin}×`,
      (r) => r >= TARGETS.handledOverPipelineMin,
    ),
    judged(`p99 at ${rate} ÷ bare receiver, dispatch off (ms)`, steady, 'intake', 'bare', p99, `≤ ${TARGETS.p99IntakeOverBareMax}×`, (r) => r <= TARGETS.p99IntakeOverBareMax, 1),
    judged(`p99 at ${rate} ÷ bare receiver, with handlers (ms)`, steady, 'app', 'bare', p99, `≤ ${TARGETS.p99HandlersOverBareMax}×`, (r) => r <= TARGETS.p99HandlersOverBareMax, 1),
    heldRow,
    judged(
      `bad signatures refused/s, fastest supported path (${labels[fastestRejecting]}) ÷ bare receiver`,
      badSignature,
      fastestRejecting,
      'bare',
      rejections,
      `≥ ${TARGETS.badSignatureOverBareMin}×`,
      (r) => r >= TARGETS.badSignatureOverBareMin,
    ),
    judged(
      `max 2xx/s under ${settings.memoryFlags} ÷ unlimited (app with handlers)`,
      intake,
      'limited',
      'app',
      stored,
      `≥ ${TARGETS.memoryLimitedMin}×`,
      (r) => r >= TARGETS.memoryLimitedMin,
    ),
    heapVerdict(input.memoryPhase),
    judged(
      `max 2xx/s with ${settings.historyRows / 1e6}M rows stored ÷ empty table (app with handlers)`,
      intake,
      'history',
      'app',
      stored,
      `≥ ${TARGETS.historyMin}×`,
      (r) => r >= TARGETS.historyMin,
    ),
    unstoredVerdict(input),
  ];

  const expressUnstored = of(intake, 'express').map((record) => record.unstoredAtStop ?? NaN);
  const expressStoredPerSec = of(intake, 'express').map((record) => (record.run.ok2xx - (record.unstoredAtStop ?? NaN)) / record.run.durationSec);
  const peers: Verdict[] = [
    judged('Express recipe (ack, then store) ÷ bare receiver, max 2xx/s', intake, 'express', 'bare', stored, 'peer', undefined),
    {
      figure: 'Express recipe: acknowledged but not stored when the load stopped (lost on a crash then)',
      measured: `${fmt(median(expressUnstored), 0)} (rounds: ${expressUnstored.map((n) => fmt(n, 0)).join(', ')})`,
      against: `stored during the load: ${fmt(median(expressStoredPerSec), 0)}/s`,
      ratio: '',
      target: 'peer',
      met: undefined,
    },
    judged('hand-written Nest controller ÷ bare receiver, max 2xx/s', intake, 'nest', 'bare', stored, 'peer', undefined),
    judged('intake, direct route ÷ hand-written Nest controller, max 2xx/s', intake, 'direct', 'nest', stored, 'reported', undefined),
    judged(`p99 at ${rate} ÷ bare receiver, direct route (ms)`, steady, 'direct', 'bare', p99, 'reported', undefined, 1),
    judged('intake on a Fastify host ÷ on the Express demo (default route), max 2xx/s', intake, 'fastify', 'intake', stored, 'reported', undefined),
    judged('intake on a Fastify host ÷ hand-written Nest controller (Express), max 2xx/s', intake, 'fastify', 'nest', stored, 'reported', undefined),
    judged(`p99 at ${rate} ÷ bare receiver, Fastify host (ms)`, steady, 'fastify', 'bare', p99, 'reported', undefined, 1),
    judged('bad signatures refused/s, Fastify host ÷ bare receiver', badSignature, 'fastify', 'bare', rejections, 'reported', undefined),
    judged('bad signatures refused/s, default route ÷ bare receiver', badSignature, 'intake', 'bare', rejections, 'reported', undefined),
    judged('bad signatures refused/s, Express recipe ÷ bare receiver', badSignature, 'express', 'bare', rejections, 'peer', undefined),
    judged('bad signatures refused/s, Nest controller ÷ bare receiver', badSignature, 'nest', 'bare', rejections, 'peer', undefined),
    judged('split deployment (web + worker process) ÷ app in one process, events handled/s end to end', intake, 'split', 'app', handled, 'reported', undefined),
    judged('app with handlers ÷ bare receiver, max 2xx/s (unlike work: intake only vs intake + dispatch)', intake, 'app', 'bare', stored, 'reported', undefined),
    judged('CPU ms per event, intake: dispatch off ÷ bare receiver', intake, 'intake', 'bare', cpuPerEvent, 'reported', undefined, 3),
    judged('CPU ms per event, intake: Fastify host ÷ bare receiver', intake, 'fastify', 'bare', cpuPerEvent, 'reported', undefined, 3),
    judged('CPU ms per event handled: app with handlers ÷ bare pipeline', intake, 'app', 'pipeline', cpuPerEvent, 'reported', undefined, 3),
    judged(`p50 at ${rate} ÷ bare receiver, dispatch off (ms)`, steady, 'intake', 'bare', p50, 'reported', undefined, 2),
    judged(`p50 at ${rate} ÷ bare receiver, with handlers (ms)`, steady, 'app', 'bare', p50, 'reported', undefined, 2),
    judged(`event-loop delay p99 at ${rate}, with handlers ÷ bare receiver (ms)`, steady, 'app', 'bare', (r) => r.loop?.p99Ms ?? NaN, 'reported', undefined, 1),
  ];

  const lines: string[] = [];
  const table = (header: string[], rows: string[][]): void => {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
    lines.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line));
  };
  const verdictRows = (list: Verdict[]): string[][] =>
    list.map((v) => [v.figure, v.measured, v.against, v.ratio, v.target, v.met === undefined ? '' : v.met ? 'MET' : 'MISSED', v.disturbed ?? '']);

  lines.push(
    '',
    `Issue 18's targets: medians of ${settings.rounds} alternated rounds, ratio = first ÷ second of the same round (rounds in brackets); ` +
      `disturbed = phases behind the row during which other processes took ≥ ${NOISE_CORES} cores.`,
    '',
  );
  table(['figure', 'measured', 'against', 'ratio (rounds)', 'target', '', 'disturbed'], verdictRows(verdicts));
  lines.push('', 'Peers and other figures (reported, not judged):', '');
  table(['figure', 'measured', 'against', 'ratio (rounds)', '', '', 'disturbed'], verdictRows(peers));

  lines.push('', 'Per phase (figure; CPU cores of the target, PostgreSQL, generator, others; share of the generator ceiling):');
  const phaseRows: string[][] = [];
  for (const [kind, records] of [['max load', intake], ['steady', steady], ['bad signature', badSignature]] as const) {
    for (const record of records as Array<PhaseRecord<LoadRun | PacedRun>>) {
      const r = record.resources;
      const figure =
        kind === 'steady'
          ? `p50 ${fmt(record.run.latencyMs.p50, 1)} / p99 ${fmt(record.run.latencyMs.p99, 1)} ms`
          : kind === 'bad signature'
            ? `${fmt(rejections(record), 0)} 401/s`
            : `${fmt(record.run.okPerSec, 0)} 2xx/s` +
              (record.handledPerSec === undefined ? '' : `, ${fmt(record.handledPerSec, 0)} handled/s`) +
              (record.unstoredAtStop === undefined ? '' : `, ${record.unstoredAtStop} unstored at stop`);
      phaseRows.push([
        `${record.round}`,
        kind,
        record.target,
        figure,
        `${fmt(r.serverCores, 2)} / ${fmt(r.postgresCores, 2)} / ${fmt(r.generatorCores, 2)} / ${fmt(r.otherCores, 2)}`,
        record.ofCeiling === undefined ? '' : `${fmt(record.ofCeiling * 100, 0)} %${record.ofCeiling >= CEILING_SHARE ? ' GENERATOR-BOUND' : ''}`,
        [
          r.otherCores >= NOISE_CORES ? 'disturbed' : '',
          record.run.non2xx > 0 && kind !== 'bad signature' ? `${record.run.non2xx} non-2xx` : '',
          record.withBacklog.capped ? 'backlog not worked off in time' : '',
        ]
          .filter(Boolean)
          .join(', '),
      ]);
    }
  }
  table(['round', 'phase', 'target', 'figure', 'cores: server / pg / gen / other', 'of ceiling', ''], phaseRows);

  const ceilingIntake = input.ceiling.intake;
  lines.push('', `Generator ceiling (null server): ${fmt(ceilingIntake.requests / ceilingIntake.durationSec, 0)} signed events/s at ${settings.connections} connections.`);
  const all = [...intake, ...steady, ...badSignature];
  const disturbed = all.filter((record) => record.resources.otherCores >= NOISE_CORES).length;
  const bound = [...intake, ...badSignature].filter((record) => (record.ofCeiling ?? 0) >= CEILING_SHARE).length;
  lines.push(
    `${disturbed} of ${all.length} phases ran while other processes took ≥ ${NOISE_CORES} cores (their figures are pessimistic); ` +
      `${bound} came within ${CEILING_SHARE * 100} % of the generator's ceiling (they measured the generator).`,
  );

  lines.push('', 'Correctness:');
  for (const [name, storm] of Object.entries(input.storms)) {
    lines.push(`  duplicate storm ${name}: ${storm.rowsStored} rows for the storm's ids, ${storm.ok2xx} of ${storm.requests} answered 2xx, ${storm.storedAnswers} answered as new`);
  }
  for (const [name, d] of Object.entries(input.durability)) lines.push(`  ${name}: ${d.missing} of ${d.acknowledged} acknowledged ids missing from its table once settled`);
  for (const record of badSignature) {
    if ((record.forgedRowsStored ?? 0) > 0 || record.run.ok2xx > 0) {
      lines.push(`  bad signature, round ${record.round}, ${record.target}: ${record.forgedRowsStored ?? 'n/a'} rows stored for the forged event, ${record.run.ok2xx} answered 2xx`);
    }
  }
  const forged = badSignature.reduce((sum, record) => sum + (record.forgedRowsStored ?? 0) + record.run.ok2xx, 0);
  if (forged === 0) lines.push(`  bad signatures: no forged event stored or answered 2xx in ${badSignature.length} phases`);
  for (const [name, c] of Object.entries(input.charges)) lines.push(`  ${name}: its handlers wrote ${c.rows} rows for ${c.events} events stored (one each)`);

  lines.push('', 'Memory (MB; VmHWM peak, sampled RSS max, V8 heap after GC at the end of the rounds):');
  for (const [name, m] of Object.entries(input.memory)) {
    lines.push(`  ${name}: peak ${fmt(m.peakMb, 0)}, sampled ${fmt(m.sampledMaxMb, 0)}${m.heap ? `, heap ${fmt(m.heap.usedMb, 1)}` : ''}`);
  }
  const mp = input.memoryPhase;
  if (mp) {
    lines.push(`  memory phase, ${mp.flags}, ${mp.stretchSec} s closed-loop stretches on one table (peak RSS ${fmt(mp.peakMb, 0)}):`);
    for (const s of mp.stretches) {
      lines.push(
        `    ${s.storedRows} rows stored (seeded in ${fmt(s.seedSec, 1)} s): ${s.events} events at ${fmt(s.okPerSec, 0)} 2xx/s, ` +
          `${fmt(s.handledPerSec, 0)} handled/s; heap after GC ${fmt(s.heap?.usedMb, 1)} MB, RSS ${fmt(s.rssMb, 0)} MB`,
      );
    }
    lines.push(`    ${mp.missing} of ${mp.acknowledged} acknowledged ids missing`);
  }

  if (input.profile) {
    const profile = input.profile;
    lines.push('', `CPU profile of the app with handlers at max load: ${profile.events} events, ${fmt(profile.busyMs / profile.events, 3)} ms busy per event, self time by place:`);
    table(
      ['place', 'share', 'ms/event'],
      profile.shares.slice(0, 14).map((share) => [share.place, `${fmt(share.share * 100, 1)} %`, fmt(share.ms / profile.events, 3)]),
    );
  }
  return { text: lines.join('\n') + '\n', verdicts, peers };
}

/** Heap after GC in the memory phase: the sample at 1 M stored events over the one at 100 k. */
function heapVerdict(phase: MemoryPhase | undefined): Verdict {
  const [first, last] = [phase?.stretches[0], phase?.stretches[phase.stretches.length - 1]];
  const ratio = (last?.heap?.usedMb ?? NaN) / (first?.heap?.usedMb ?? NaN);
  const collected = first?.heap?.collected === true && last?.heap?.collected === true;
  return {
    figure: `heap after GC at ${last?.storedRows ?? '1M'} ÷ at ${first?.storedRows ?? '100k'} stored events (one process, ${phase?.flags ?? 'under the heap limit'})`,
    measured: `${fmt(last?.heap?.usedMb, 1)} MB`,
    against: `${fmt(first?.heap?.usedMb, 1)} MB`,
    ratio: `${fmt(ratio, 2)}× (one long phase, not rounds)`,
    target: `≤ ${1 + TARGETS.heapGrowthMax}× (no growth)`,
    met: collected && Number.isFinite(ratio) && ratio <= 1 + TARGETS.heapGrowthMax,
  };
}

/** Acknowledged but not stored, summed over every target that stores before it answers. */
function unstoredVerdict(input: ReportInput): Verdict {
  const durable = Object.entries(input.durability).filter(([name]) => name !== 'express');
  const acknowledged = durable.reduce((sum, [, d]) => sum + d.acknowledged, 0) + (input.memoryPhase?.acknowledged ?? 0);
  const missing = durable.reduce((sum, [, d]) => sum + d.missing, 0) + (input.memoryPhase?.missing ?? 0);
  return {
    figure: 'acknowledged but not stored (every target that stores before its 2xx)',
    measured: `${missing}`,
    against: `of ${acknowledged}`,
    ratio: '',
    target: `${TARGETS.unstoredMax}`,
    met: missing <= TARGETS.unstoredMax,
  };
}
