/**
 * Progress of a demo seed: on a terminal, one line redrawn in place on stderr (count, percentage,
 * rate, time left); otherwise (logs, CI) a log line every 10 %.
 */
import type { Logger } from 'pino';
import type { SeedProgress } from './seed';

const REDRAW_MS = 200;

export function seedProgress(logger: Logger, stream: NodeJS.WriteStream = process.stderr): SeedProgress {
  const started = Date.now();
  let lastDraw = 0;
  let lastDecile = 0;
  return (written, total) => {
    const now = Date.now();
    const seconds = Math.max((now - started) / 1000, 0.001);
    const rate = written / seconds;
    if (stream.isTTY) {
      if (now - lastDraw < REDRAW_MS && written < total) return;
      lastDraw = now;
      const left = rate > 0 ? Math.round((total - written) / rate) : 0;
      const percent = total === 0 ? 100 : Math.floor((written / total) * 100);
      stream.write(`\rseeding demo customers ${written.toLocaleString('en')} / ${total.toLocaleString('en')} (${percent} %) `
        + `${Math.round(rate).toLocaleString('en')}/s, ${left} s left   ${written >= total ? '\n' : ''}`);
      return;
    }
    const decile = total === 0 ? 10 : Math.floor((written / total) * 10);
    if (decile > lastDecile || written >= total) {
      lastDecile = decile;
      logger.info({ written, total, perSecond: Math.round(rate) }, 'seeding demo customers');
    }
  };
}
