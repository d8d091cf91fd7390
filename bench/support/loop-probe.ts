/**
 * Preloaded into a server under test (`node --require loop-probe.js server.js`): the event loop's
 * delay, as perf_hooks.monitorEventLoopDelay sees it, between a reset and a read the bench asks for
 * over the IPC channel it opened. The same probe in the app and the baseline: one way of measuring.
 * It also answers the V8 heap in use (`heap`), for the memory phase.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface HeapSample {
  /** V8 heap in use, MB: after a full collection when the process runs with --expose-gc (`collected`). */
  usedMb: number;
  totalMb: number;
  collected: boolean;
}

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

if (process.send) {
  // The histogram records the time between two ticks of a timer of this interval, so an idle loop
  // reads the interval itself: it is taken off, and what is reported is how late the tick came.
  const RESOLUTION_MS = 5;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'loop-reset') {
      histogram.reset();
      process.send?.({ type: 'loop-reset-done' });
    } else if (message?.type === 'loop-read') {
      const delay: LoopDelay = {
        p50Ms: Math.max(0, histogram.percentile(50) / 1e6 - RESOLUTION_MS),
        p99Ms: Math.max(0, histogram.percentile(99) / 1e6 - RESOLUTION_MS),
        maxMs: Math.max(0, histogram.max / 1e6 - RESOLUTION_MS),
      };
      process.send?.({ type: 'loop', delay });
    } else if (message?.type === 'heap') {
      // Collected first where the bench allowed it: what is live, not what happens to await collection.
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const { heapUsed, heapTotal } = process.memoryUsage();
      const sample: HeapSample = { usedMb: heapUsed / 2 ** 20, totalMb: heapTotal / 2 ** 20, collected: gc !== undefined };
      process.send?.({ type: 'heap', sample });
    }
  });
  // The channel must not keep a server alive that was told to stop.
  process.channel?.unref();
}
