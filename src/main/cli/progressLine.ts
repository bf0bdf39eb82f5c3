import type { StepMetrics } from '../engine/training/trainer';

/**
 * A progress line on stderr. On a terminal it rewrites itself (\r) at most every 250 ms; anywhere else (a log
 * file, a pipe, CI) a rewritten line would pile up into one line of megabytes, so it prints plain lines, at most one
 * every `everySeconds`. A line held back is printed before the next note and at the end, so the last one is seen.
 */
export class ProgressPrinter {
  private shownAt = -Infinity;
  private pending?: string;
  private open = false;

  constructor(
    private readonly out: Pick<NodeJS.WriteStream, 'write' | 'isTTY'> = process.stderr,
    private readonly everySeconds = 5,
  ) {}

  update(line: string): void {
    const now = performance.now();
    if (now - this.shownAt < (this.out.isTTY ? 250 : this.everySeconds * 1000)) {
      this.pending = line;
      return;
    }
    this.shownAt = now;
    this.show(line);
  }

  /** A line of its own (a checkpoint, a skipped file), after the progress line as it stands. */
  note(line: string): void {
    this.end();
    this.out.write(`${line}\n`);
  }

  /** Shows a held-back line and ends a rewritten one, so what follows starts on a line of its own. */
  end(): void {
    if (this.pending !== undefined) this.show(this.pending);
    if (this.open) this.out.write('\n');
    this.open = false;
  }

  private show(line: string): void {
    this.pending = undefined;
    this.open = Boolean(this.out.isTTY);
    this.out.write(this.out.isTTY ? `\r${line}   ` : `${line}\n`);
  }
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

/** One terminal line: step, epoch, losses, D scores, speed and time left. */
export function formatProgress(m: StepMetrics, total: number | undefined, etaSeconds: number): string {
  const of = total ? `/${total}` : '';
  const g = m.lossG === null ? '  —  ' : m.lossG.toFixed(3);
  return `step ${m.step}${of} epoch ${m.epoch}  D ${m.lossD.toFixed(3)}  G ${g}  D(x) ${m.dReal.toFixed(2)}  D(G(z)) ${m.dFake.toFixed(2)}${m.dFakeAfter == null ? '' : `/${m.dFakeAfter.toFixed(2)}`}${m.convergence === undefined ? '' : `  M ${m.convergence.toFixed(3)} k ${m.beganK!.toFixed(4)}`}  ${m.imagesPerSec.toFixed(0)} img/s  ETA ${duration(etaSeconds)}`;
}

/**
 * Ctrl-C (or SIGTERM) asks the work to stop cleanly: the returned signal aborts, the message says what happens now;
 * a second Ctrl-C quits at once. `dispose` removes the handlers.
 */
export function cancelOnInterrupt(message: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${message} (Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
