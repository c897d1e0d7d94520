/**
 * The paging forwarder (lambda/paging-forwarder): it POSTs what an SNS HTTPS subscription would, to the URL it reads
 * from the secret at run time, caches that URL, never logs it, and fails (so that Lambda retries and then keeps the
 * record in the dead-letter queue) when the paging service refuses or cannot be reached.
 */
import { loadForwarderConfig } from "../../lambda/paging-forwarder/config";
import { createForwarder, notificationDocument, SnsEvent, urlOf } from "../../lambda/paging-forwarder/forwarder";
import { ConfigurationError } from "../../lambda/shared/errors";
import { testLogger } from "./support/fixtures";

const URL_WITH_KEY = "https://events.pager.example/integration/0123456789abcdef0123456789abcdef/enqueue";
const TOPIC = "arn:aws:sns:us-east-1:111122223333:txdr-alerts-prd";

const event = (message: Record<string, unknown>, subject: string | null = "ALARM: something"): SnsEvent => ({
  Records: [
    {
      EventSubscriptionArn: `${TOPIC}:0f0e0d0c-0000-4000-8000-000000000001`,
      Sns: {
        Type: "Notification",
        MessageId: "6c1e9f5e-0000-4000-8000-000000000002",
        TopicArn: TOPIC,
        Subject: subject,
        Message: JSON.stringify(message),
        Timestamp: "2026-11-29T12:00:00.000Z",
        SignatureVersion: "1",
        Signature: "c2lnbmF0dXJl",
        SigningCertUrl: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
        UnsubscribeUrl: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
      },
    },
  ],
});

function world(options: { secret?: string; status?: number; fail?: boolean } = {}) {
  let now = 0;
  const reads: number[] = [];
  const posts: { url: string; body: string; headers: Record<string, string>; timeoutMs: number }[] = [];
  const { log, lines } = testLogger(() => now);
  const config = loadForwarderConfig({ AWS_REGION: "us-east-1", PAGING_SECRET_ID: "arn:aws:secretsmanager:us-east-1:111122223333:secret:txdr-paging-prd-AbCdEf", ENVIRONMENT: "prod" });
  const forward = createForwarder({
    config,
    readSecret: async () => {
      reads.push(now);
      return options.secret ?? URL_WITH_KEY;
    },
    post: async (url, body, headers, timeoutMs) => {
      posts.push({ url, body, headers, timeoutMs });
      if (options.fail) throw new TypeError("fetch failed");
      return { status: options.status ?? 202 };
    },
    clock: () => now,
    log,
  });
  return { forward, reads, posts, lines, advance: (ms: number) => (now += ms) };
}

describe("the paging forwarder", () => {
  test("GIVEN an alert WHEN forwarded THEN it POSTs the SNS notification document to the URL from the secret, with the SNS headers", async () => {
    const w = world();
    await w.forward(event({ AlarmName: "txdr-rpo-guard-prd", NewStateValue: "ALARM" }));
    expect(w.posts).toHaveLength(1);
    expect(w.posts[0].url).toBe(URL_WITH_KEY);
    expect(JSON.parse(w.posts[0].body)).toEqual({
      Type: "Notification",
      MessageId: "6c1e9f5e-0000-4000-8000-000000000002",
      TopicArn: TOPIC,
      Subject: "ALARM: something",
      Message: JSON.stringify({ AlarmName: "txdr-rpo-guard-prd", NewStateValue: "ALARM" }),
      Timestamp: "2026-11-29T12:00:00.000Z",
      SignatureVersion: "1",
      Signature: "c2lnbmF0dXJl",
      SigningCertURL: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
      UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
    });
    expect(w.posts[0].headers).toMatchObject({ "x-amz-sns-message-type": "Notification", "x-amz-sns-topic-arn": TOPIC, "content-type": "text/plain; charset=UTF-8" });
    expect(w.posts[0].timeoutMs).toBe(5000);
  });

  test("a message without a subject is sent without one (as SNS does)", () => {
    expect(notificationDocument(event({ a: 1 }, null).Records[0].Sns)).not.toHaveProperty("Subject");
  });

  test("the URL may be stored as the secret's value or as JSON {\"url\": ...}; anything but an https URL is refused without showing it", () => {
    expect(urlOf(URL_WITH_KEY).host).toBe("events.pager.example");
    expect(urlOf(JSON.stringify({ url: URL_WITH_KEY })).toString()).toBe(URL_WITH_KEY);
    expect(() => urlOf("http://events.pager.example/integration/x")).toThrow(ConfigurationError);
    expect(() => urlOf("not a url")).toThrow(ConfigurationError);
    try {
      urlOf("http://events.pager.example/integration/0123456789abcdef");
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("0123456789abcdef");
    }
  });

  test("the URL is read once per cache period, and again after it", async () => {
    const w = world();
    await w.forward(event({ n: 1 }));
    w.advance(299_000);
    await w.forward(event({ n: 2 }));
    expect(w.reads).toHaveLength(1);
    w.advance(2_000);
    await w.forward(event({ n: 3 }));
    expect(w.reads).toHaveLength(2);
  });

  test("GIVEN the paging service refuses WHEN forwarded THEN it throws (Lambda retries, then the dead-letter queue keeps it) and reads the secret again next time", async () => {
    const w = world({ status: 403 });
    await expect(w.forward(event({ n: 1 }))).rejects.toThrow(/answered 403/);
    await expect(w.forward(event({ n: 2 }))).rejects.toThrow(/answered 403/);
    expect(w.reads).toHaveLength(2);
  });

  test("GIVEN the paging service cannot be reached WHEN forwarded THEN it throws", async () => {
    const w = world({ fail: true });
    await expect(w.forward(event({ n: 1 }))).rejects.toThrow(/failed/);
  });

  test("no log line holds the URL or its integration key, whatever happens", async () => {
    const ok = world();
    await ok.forward(event({ n: 1 }));
    const refused = world({ status: 500 });
    await refused.forward(event({ n: 1 })).catch(() => undefined);
    const unreachable = world({ fail: true });
    await unreachable.forward(event({ n: 1 })).catch(() => undefined);
    const lines = [...ok.lines, ...refused.lines, ...unreachable.lines];
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(JSON.stringify(line)).not.toContain("0123456789abcdef0123456789abcdef");
      expect(line.host).toBe("events.pager.example");
    }
  });
});
