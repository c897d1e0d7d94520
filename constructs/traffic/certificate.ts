/**
 * The region's TLS certificate for the global name and the region's own name,
 * validated through Route 53. Both regions' certificates cover the global name,
 * and ACM gives the same validation record for the same name in one account,
 * so each region writes it with allow_overwrite: whichever applies second
 * rewrites the identical record instead of failing. (Destroying one region's
 * application stack deletes that shared record; re-apply the other region's
 * stack afterwards so its certificate can renew.)
 */
import { Construct } from "constructs";
import { TerraformIterator } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";

export interface CertificateProps {
  readonly provider: AwsProvider;
  readonly domainName: string;
  readonly alternativeNames: string[];
  readonly hostedZoneId: string;
}

export class Certificate extends Construct {
  readonly certificate: AcmCertificate;
  readonly validation: AcmCertificateValidation;

  constructor(scope: Construct, id: string, props: CertificateProps) {
    super(scope, id);
    this.certificate = new AcmCertificate(this, "certificate", {
      provider: props.provider,
      domainName: props.domainName,
      subjectAlternativeNames: props.alternativeNames,
      validationMethod: "DNS",
      keyAlgorithm: "EC_prime256v1",
      lifecycle: { createBeforeDestroy: true },
    });
    const options = TerraformIterator.fromComplexList(this.certificate.domainValidationOptions, "domain_name");
    const records = new Route53Record(this, "validation-record", {
      provider: props.provider,
      forEach: options,
      zoneId: props.hostedZoneId,
      name: options.getString("resource_record_name"),
      type: options.getString("resource_record_type"),
      records: [options.getString("resource_record_value")],
      ttl: 300,
      allowOverwrite: true,
    });
    this.validation = new AcmCertificateValidation(this, "validation", {
      provider: props.provider,
      certificateArn: this.certificate.arn,
      validationRecordFqdns: TerraformIterator.fromResources(records).pluckProperty("fqdn") as unknown as string[],
    });
  }
}
