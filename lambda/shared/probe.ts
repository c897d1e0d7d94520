/**
 * HTTPS health probe. The handlers receive a `Probe`; the real one wraps the
 * global fetch of Node 20 with a timeout.
 */

export interface ProbeResult {
  /** True for a 2xx answer within the timeout. */
  readonly ok: boolean;
  readonly status?: number;
  readonly latencyMs: number;
  readonly error?: string;
}

export type Probe = (url: string, timeoutMs: number) => Promise<ProbeResult>;

type FetchLike = (url: string, init: { method: string; redirect: "manual"; signal: AbortSignal; headers: Record<string, string> }) => Promise<{ status: number; body?: unknown }>;

export function createHttpsProbe(fetchImpl: FetchLike = fetch as unknown as FetchLike, clock: () => number = Date.now): Probe {
  return async (url, timeoutMs) => {
    const started = clock();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetchImpl(url, {
        method: "GET",
        redirect: "manual",
        signal: controller.signal,
        headers: { "user-agent": "dr-health-probe", "cache-control": "no-cache" },
      });
      const body = response.body as { cancel?: () => Promise<void> } | undefined;
      await body?.cancel?.().catch(() => undefined);
      return { ok: response.status >= 200 && response.status < 300, status: response.status, latencyMs: clock() - started };
    } catch (error) {
      const aborted = controller.signal.aborted;
      return {
        ok: false,
        latencyMs: clock() - started,
        error: aborted ? `timeout after ${timeoutMs} ms` : error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      };
    } finally {
      clearTimeout(timer);
    }
  };
}
