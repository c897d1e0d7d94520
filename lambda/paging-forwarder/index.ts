/**
 * Paging forwarder Lambda: subscribed to its region's alert topic, it forwards
 * every message to the paging service (forwarder.ts), reading the integration
 * URL from Secrets Manager at run time. Invoked asynchronously by SNS; a failed
 * forward is retried by Lambda and then kept in the dead-letter queue.
 *
 * Environment: config.ts. The client, configuration and logger are created
 * once, at module scope; a bad variable fails the cold start naming it.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PermanentError } from "../shared/errors";
import { createLogger, logLevelFrom } from "../shared/log";
import { loadForwarderConfig } from "./config";
import { createForwarder, SnsEvent } from "./forwarder";

const config = loadForwarderConfig(process.env);
const log = createLogger(
  { function: "paging-forwarder", region: config.region, ...(config.environment ? { environment: config.environment } : {}) },
  { level: logLevelFrom(process.env.LOG_LEVEL) },
);
const secrets = new SecretsManagerClient({ maxAttempts: 3, requestHandler: { requestTimeout: config.timeoutMs } });

export const handler: (event: SnsEvent) => Promise<void> = createForwarder({
  config,
  async readSecret() {
    const result = await secrets.send(new GetSecretValueCommand({ SecretId: config.secretId }));
    if (result.SecretString === undefined) throw new PermanentError("the paging secret has no string value yet: put the integration URL");
    return result.SecretString;
  },
  async post(url, body, headers, timeoutMs) {
    const response = await fetch(url, { method: "POST", body, headers, signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
    return { status: response.status };
  },
  clock: Date.now,
  log,
});
