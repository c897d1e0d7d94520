/**
 * AWS WAF in front of the region's load balancer: the AWS managed common and
 * known-bad-inputs rule groups and a per-IP rate limit, with request logging
 * to an encrypted log group, with the credentials a request may carry redacted
 * (`REDACTED_HEADERS`, and the query string). The prebuilt bindings type a rule's `statement`
 * loosely and drop parts of it, so the rules are written as a Terraform JSON
 * override (tested on the emitted JSON).
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { EncryptedLogGroup } from "../observability/encrypted-log-group";

export const MANAGED_RULE_GROUPS = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"] as const;

/**
 * Request headers WAF logs show as REDACTED (header names, lowercase as WAF compares them): credentials and session
 * material a client may send (Authorization, cookies, SigV4 session tokens, API keys), and the client-certificate
 * headers an Application Load Balancer with mutual TLS adds (the certificate, its serial number, issuer, subject,
 * validity and leaf): whoever reads the logs must not be able to replay a request or learn who holds which certificate.
 */
export const REDACTED_HEADERS = [
  "authorization",
  "cookie",
  "x-amz-security-token",
  "x-api-key",
  "x-amzn-mtls-clientcert",
  "x-amzn-mtls-clientcert-serial-number",
  "x-amzn-mtls-clientcert-issuer",
  "x-amzn-mtls-clientcert-subject",
  "x-amzn-mtls-clientcert-validity",
  "x-amzn-mtls-clientcert-leaf",
] as const;

export interface WebAclProps {
  readonly provider: AwsProvider;
  readonly webAclName: string;
  readonly loadBalancerArn: string;
  readonly rateLimitPer5Minutes: number;
  /** WAF requires log groups named aws-waf-logs-*. */
  readonly logGroupName: string;
  readonly logsKeyArn: string;
  readonly logRetentionDays: number;
}

const visibility = (metricName: string) => ({
  cloudwatch_metrics_enabled: true,
  metric_name: metricName,
  sampled_requests_enabled: true,
});

/** The web ACL's rules in Terraform JSON (snake_case), as the override writes them. */
export function webAclRules(rateLimitPer5Minutes: number): Record<string, unknown>[] {
  const managed = MANAGED_RULE_GROUPS.map((name, i) => ({
    name,
    priority: i + 1,
    override_action: [{ none: [{}] }],
    statement: [{ managed_rule_group_statement: [{ name, vendor_name: "AWS" }] }],
    visibility_config: [visibility(name)],
  }));
  return [
    ...managed,
    {
      name: "RateLimitPerIp",
      priority: managed.length + 1,
      action: [{ block: [{}] }],
      statement: [{ rate_based_statement: [{ limit: rateLimitPer5Minutes, aggregate_key_type: "IP", evaluation_window_sec: 300 }] }],
      visibility_config: [visibility("RateLimitPerIp")],
    },
  ];
}

export class WebAcl extends Construct {
  readonly webAcl: Wafv2WebAcl;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const { provider } = props;
    this.webAcl = new Wafv2WebAcl(this, "web-acl", {
      provider,
      name: props.webAclName,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: props.webAclName, sampledRequestsEnabled: true },
    });
    this.webAcl.addOverride("rule", webAclRules(props.rateLimitPer5Minutes));
    new Wafv2WebAclAssociation(this, "association", { provider, resourceArn: props.loadBalancerArn, webAclArn: this.webAcl.arn });
    const logGroup = new EncryptedLogGroup(this, "log-group", {
      provider,
      logGroupName: props.logGroupName,
      kmsKeyArn: props.logsKeyArn,
      retentionDays: props.logRetentionDays,
    });
    new Wafv2WebAclLoggingConfiguration(this, "logging", {
      provider,
      resourceArn: this.webAcl.arn,
      logDestinationConfigs: [logGroup.arn],
      // Every request is logged (no logging filter: forensics needs the allowed ones too), without its credentials, and
      // without its query string, where a client might put an account number or a token (the transaction API takes none).
      redactedFields: [...REDACTED_HEADERS.map((name) => ({ singleHeader: { name } })), { queryString: {} }],
    });
  }
}
