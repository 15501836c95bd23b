/**
 * The attacker suites' /healthz watch: while an attack runs, the server must keep answering, and
 * the slowest answer is a figure for docs/security.md.
 */
import { expect } from "vitest";

export interface HealthzWatch {
  /** Stops once the probe in flight has answered: the slowest answer (ms) and how many came. */
  stop(): Promise<{ slowest: number; answered: number }>;
}

/** Probes `${base}/healthz` back to back, `pauseMs` apart; every answer must be 200. */
export function watchHealthz(base: string, pauseMs: number): HealthzWatch {
  let stopping = false;
  let slowest = 0;
  let answered = 0;
  const probing = (async () => {
    while (!stopping) {
      const t0 = performance.now();
      const res = await fetch(`${base}/healthz`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      slowest = Math.max(slowest, performance.now() - t0);
      answered++;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await probing;
      return { slowest, answered };
    },
  };
}
