/**
 * Forwards the alert topic's messages to the paging service whose integration
 * URL is kept in Secrets Manager, as the paging service would receive them from
 * an SNS HTTPS subscription: the same notification document (Type, MessageId,
 * TopicArn, Subject, Message, Timestamp, Signature...), so a service that
 * verifies SNS signatures still can (they cover those fields, not the endpoint),
 * and the same x-amz-sns-* headers.
 *
 * The URL is read at run time and cached for SECRET_CACHE_SECONDS; it is never
 * logged (only its host is). A refused or failed POST clears the cache (the key
 * may have been rotated) and throws: Lambda retries the asynchronous invocation
 * and then records it in the dead-letter queue, whose alarm pages by e-mail.
 */
import { ConfigurationError, TransientError } from "../shared/errors";
import { Logger } from "../shared/log";
import { ForwarderConfig } from "./config";

/** The SNS part of a Lambda SNS event record. */
export interface SnsMessage {
  readonly Type: string;
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject?: string | null;
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion: string;
  readonly Signature: string;
  readonly SigningCertUrl: string;
  readonly UnsubscribeUrl: string;
}

export interface SnsEvent {
  readonly Records: readonly { readonly EventSubscriptionArn: string; readonly Sns: SnsMessage }[];
}

export interface PostResult {
  readonly status: number;
}

export interface ForwarderDeps {
  readonly config: ForwarderConfig;
  /** The secret's current value. */
  readSecret(): Promise<string>;
  post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult>;
  readonly clock: () => number;
  readonly log: Logger;
}

/** The URL in a secret value: the value itself, or the "url" field of a JSON object. Only https URLs are accepted. */
export function urlOf(secretValue: string): URL {
  let text = secretValue.trim();
  if (text.startsWith("{")) {
    try {
      const parsed = JSON.parse(text) as { url?: unknown };
      text = typeof parsed.url === "string" ? parsed.url : "";
    } catch {
      text = "";
    }
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigurationError("PAGING_SECRET_ID", "the secret holds no URL (put the integration URL, or JSON {\"url\": ...})", "(value hidden)");
  }
  if (url.protocol !== "https:") throw new ConfigurationError("PAGING_SECRET_ID", "the secret's URL is not https", "(value hidden)");
  return url;
}

/** The document an SNS HTTPS subscription would POST for this message. */
export function notificationDocument(sns: SnsMessage): Record<string, string> {
  return {
    Type: sns.Type,
    MessageId: sns.MessageId,
    TopicArn: sns.TopicArn,
    ...(sns.Subject ? { Subject: sns.Subject } : {}),
    Message: sns.Message,
    Timestamp: sns.Timestamp,
    SignatureVersion: sns.SignatureVersion,
    Signature: sns.Signature,
    SigningCertURL: sns.SigningCertUrl,
    UnsubscribeURL: sns.UnsubscribeUrl,
  };
}

export function createForwarder(deps: ForwarderDeps): (event: SnsEvent) => Promise<void> {
  let cached: { url: URL; until: number } | undefined;
  const currentUrl = async (): Promise<URL> => {
    const now = deps.clock();
    if (cached && now < cached.until) return cached.url;
    const url = urlOf(await deps.readSecret());
    cached = { url, until: now + deps.config.cacheSeconds * 1000 };
    return url;
  };
  return async (event) => {
    for (const record of event.Records) {
      const sns = record.Sns;
      const url = await currentUrl();
      const headers = {
        "content-type": "text/plain; charset=UTF-8",
        "x-amz-sns-message-type": sns.Type,
        "x-amz-sns-message-id": sns.MessageId,
        "x-amz-sns-topic-arn": sns.TopicArn,
        "x-amz-sns-subscription-arn": record.EventSubscriptionArn,
      };
      let result: PostResult;
      try {
        result = await deps.post(url.toString(), JSON.stringify(notificationDocument(sns)), headers, deps.config.timeoutMs);
      } catch (error) {
        cached = undefined;
        deps.log.error("page.failed", { messageId: sns.MessageId, host: url.host, error });
        throw new TransientError(`POST to the paging service at ${url.host} failed`);
      }
      if (result.status < 200 || result.status > 299) {
        cached = undefined;
        deps.log.error("page.refused", { messageId: sns.MessageId, host: url.host, status: result.status });
        throw new TransientError(`the paging service at ${url.host} answered ${result.status}`);
      }
      deps.log.info("page.forwarded", { messageId: sns.MessageId, host: url.host, status: result.status });
    }
  };
}
