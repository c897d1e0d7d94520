/**
 * AWS cron expressions, checked field by field so that a typo fails at
 * synthesis with the field named, not at apply time.
 *
 * Grammar (checked 2026-11-29): Amazon EventBridge user guide, "Cron expressions reference"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html),
 * which AWS Backup plans and restore testing plans share: six fields
 * `Minutes Hours Day-of-month Month Day-of-week Year`, wildcards `, - * / ?` everywhere they
 * apply, `L` and `W` in day-of-month, `L` and `#` in day-of-week; day-of-month and day-of-week
 * cannot both be given: one of them must be `?`.
 *
 * Hand-written: the npm libraries for AWS cron (aws-cron-parser, aws-cron-expression-validator)
 * compute next occurrences but accept expressions AWS refuses (both day fields set) and fail
 * with TypeErrors on malformed input, so none of them can say which field is wrong.
 */

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly question?: boolean;
  readonly special?: RegExp;
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, question: true, special: /^(L|LW|\d{1,2}W|L-\d{1,2})$/ },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, question: true, special: /^([1-7]|[A-Z]{3})(L|#[1-5])$|^L$/ },
  { name: "year", min: 1970, max: 2199 },
];

function valueOf(text: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  return index >= 0 ? index + 1 : undefined;
}

function allowedText(spec: FieldSpec): string {
  const names = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : "";
  return `${spec.min}-${spec.max}${names}`;
}

function checkField(text: string, spec: FieldSpec): string | undefined {
  if (text === "?") return spec.question ? undefined : `the ${spec.name} field cannot be ?`;
  for (const item of text.split(",")) {
    if (item === "") return `the ${spec.name} field has an empty list item`;
    if (item === "*") continue;
    if (spec.special?.test(item.toUpperCase())) {
      const day = /^(\d+)/.exec(item);
      if (day && (Number(day[1]) < spec.min || Number(day[1]) > spec.max)) return `the ${spec.name} field has ${item}; allowed ${allowedText(spec)}`;
      continue;
    }
    const [range, step, extra] = item.split("/");
    if (extra !== undefined) return `the ${spec.name} field has ${item}; a step is written once, as start/step`;
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) return `the ${spec.name} field has step ${step}; a step is a positive whole number`;
    if (range === "*" && step !== undefined) continue;
    const bounds = range.split("-");
    if (bounds.length > 2) return `the ${spec.name} field has ${item}; a range is written start-end`;
    for (const bound of bounds) {
      const value = valueOf(bound, spec);
      if (value === undefined || value < spec.min || value > spec.max) {
        return `the ${spec.name} field has ${bound === "" ? item : bound}; allowed ${allowedText(spec)}, and the wildcards , - * /${spec.question ? " ?" : ""}`;
      }
    }
  }
  return undefined;
}

/** Checks `cron(...)`; returns the reason it is refused, or undefined when AWS accepts it. */
export function checkAwsCron(expression: string): string | undefined {
  const match = /^cron\((.*)\)$/.exec(expression);
  if (!match) return "is not an AWS cron expression: write cron(Minutes Hours Day-of-month Month Day-of-week Year)";
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) {
    return `has ${fields.length} field${fields.length === 1 ? "" : "s"}; an AWS cron expression has 6 (Minutes Hours Day-of-month Month Day-of-week Year, for example cron(0 6 ? * SAT *))`;
  }
  for (let i = 0; i < FIELDS.length; i++) {
    const reason = checkField(fields[i], FIELDS[i]);
    if (reason) return `is not a valid AWS cron expression: ${reason}`;
  }
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    return "is not a valid AWS cron expression: exactly one of day-of-month and day-of-week must be ? (AWS does not take both), for example cron(0 6 ? * SAT *)";
  }
  return undefined;
}
