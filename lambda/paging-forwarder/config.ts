/**
 * Paging forwarder configuration, read once from the environment (the
 * variables the infrastructure sets are the contract in environment.ts).
 *
 * | variable             | meaning                                                                  | default  |
 * |----------------------|--------------------------------------------------------------------------|----------|
 * | AWS_REGION           | own region (set by Lambda)                                               | required |
 * | PAGING_SECRET_ID     | the secret holding the integration URL (its value, or JSON {"url": ...}) | required |
 * | ENVIRONMENT          | environment name, on every log line                                      | unset    |
 * | SECRET_CACHE_SECONDS | how long a URL read from the secret is reused before reading it again    | 300      |
 * | FORWARD_TIMEOUT_MS   | timeout of one POST to the paging service                                | 5000     |
 * | LOG_LEVEL            | debug \| info \| warn \| error                                           | info     |
 */
import { EnvReader, EnvSource } from "../shared/env";
import { FORWARDER_ENVIRONMENT } from "./environment";

const WRITTEN = FORWARDER_ENVIRONMENT.names;

export interface ForwarderConfig {
  readonly region: string;
  readonly environment: string | undefined;
  readonly secretId: string;
  readonly cacheSeconds: number;
  readonly timeoutMs: number;
}

export function loadForwarderConfig(source: EnvSource): ForwarderConfig {
  const env = new EnvReader(source);
  return {
    region: env.region("AWS_REGION"),
    environment: env.optionalString(WRITTEN.environment),
    secretId: env.string(WRITTEN.secretId),
    cacheSeconds: env.int("SECRET_CACHE_SECONDS", 300, { min: 0, max: 3_600 }),
    timeoutMs: env.int("FORWARD_TIMEOUT_MS", 5_000, { min: 500, max: 30_000 }),
  };
}
