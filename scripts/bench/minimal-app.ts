/**
 * The benchmark's yardstick: a one-stack cdktf app with one resource, run the
 * same way as the project's app (node -r ./app/register.js), so that the
 * ratio measures what the project adds, not how Node, cdktf or the loader start.
 */
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";

const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? "cdktf.out", stackTraces: false });
const stack = new TerraformStack(app, "minimal");
new AwsProvider(stack, "aws", { region: "us-east-1" });
new S3Bucket(stack, "bucket", { bucket: "minimal-bench-bucket" });
app.synth();
