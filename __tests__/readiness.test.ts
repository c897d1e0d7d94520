/**
 * What a first deploy and the running service need, checked on the synthesized JSON of every shipped
 * configuration (config/*.json, synthesized once per run by the jest global setup). Each block is one
 * defect class found in a review of the output against AWS and hashicorp/aws 6.25 behaviour; each test
 * is written over the JSON generically (by resource type, role or reference), not over today's names.
 */
import * as path from "path";
import { SynthesizedApp } from "../app/layout-check";
import { readConfigFile } from "../lib/config/load";
import { DrConfig } from "../lib/config/model";
import { TERRAFORM_REQUIRED_VERSION } from "../stacks/dr-stack";
import { shippedConfigFiles } from "./support/config";
import { synthConfig } from "./support/synth";

const shipped: [string, DrConfig][] = shippedConfigFiles().map((f) => [path.basename(f, ".json"), readConfigFile(f)]);

describe.each(shipped)("%s", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test("every stack requires the Terraform version its output needs (write-only arguments: 1.11)", () => {
    expect(TERRAFORM_REQUIRED_VERSION).toMatch(/^>= 1\.(1[1-9]|[2-9]\d)\.\d+, < 2\.0\.0$/);
    for (const [id, stack] of Object.entries(app.stacks)) {
      expect([id, stack.terraform.required_version]).toEqual([id, TERRAFORM_REQUIRED_VERSION]);
    }
  });
});
