/** The benchmark's yardstick for cold starts: a handler that does nothing, bundled like the real ones. */
export const handler = async (): Promise<Record<string, never>> => ({});
