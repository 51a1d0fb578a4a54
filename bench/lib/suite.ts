import type { Metric } from './results';

export interface SuiteOptions {
  quick: boolean;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

/** What a suite measures; the runner adds the timing, load and date. */
export interface SuiteOutput {
  title: string;
  metrics: Metric[];
  markdown: string;
}

export type Suite = (o: SuiteOptions) => Promise<SuiteOutput>;
