/**
 * P1-P8 on config/prod.json: each property's scenario passes on the real code and
 * fails when its double removes the safeguard (drill/doubles.ts; support/properties.ts).
 */
import { describeProperties } from "./support/properties";

describeProperties("prod");
