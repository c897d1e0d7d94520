/**
 * The documented AWS figures (and flagged assumptions) behind the RTO/RPO
 * budget and the offline drill: one JSON file, aws-figures.json, with the
 * source and the supporting quote of every value.
 */
import data from "./aws-figures.json";

export interface Figure {
  readonly value: number;
  readonly unit: string;
  readonly kind: "documented" | "assumption";
  readonly source: string;
  readonly quote: string;
  readonly checked: string;
}

export type FigureId = keyof typeof data.figures;

export type Figures = Readonly<Record<FigureId, Figure>>;

export const FIGURES: Figures = data.figures as Figures;

/** The value of a figure, in its unit. */
export function figure(id: FigureId, figures: Figures = FIGURES): number {
  return figures[id].value;
}

/** "60 s (documented: <source>)" for tables and messages. */
export function cite(id: FigureId, figures: Figures = FIGURES): string {
  const f = figures[id];
  return `${id} = ${f.value} ${f.unit} (${f.kind}${f.source ? `, ${f.source}` : ""})`;
}
