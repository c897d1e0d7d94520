/** Writes docs/configuration.md and docs/config.schema.json from the configuration schema. */
import * as fs from "fs";
import * as path from "path";
import { configJsonSchema, configReferenceMarkdown } from "../lib/config/reference";

const docs = path.resolve(__dirname, "..", "docs");
fs.mkdirSync(docs, { recursive: true });
fs.writeFileSync(path.join(docs, "configuration.md"), configReferenceMarkdown());
fs.writeFileSync(path.join(docs, "config.schema.json"), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stdout.write("wrote docs/configuration.md and docs/config.schema.json\n");
