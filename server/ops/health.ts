/**
 * Liveness and readiness. Liveness says only that the process answers; readiness runs every check
 * (database, Redis, …) with a time limit, so a load balancer stops sending traffic to a node that
 * lost one of them.
 */
export type Check = () => Promise<unknown>;

export interface Readiness {
  ok: boolean;
  /** "ok" or the failure, per check. */
  checks: Record<string, string>;
}

export async function readiness(
  checks: Record<string, Check>,
  timeoutMs = 2000,
): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([check(), timeout]);
        return [name, "ok"] as const;
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: entries.every(([, v]) => v === "ok"), checks: Object.fromEntries(entries) };
}
