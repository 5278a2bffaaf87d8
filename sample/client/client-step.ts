/** One HTTP call of the client, as printed and as checked by the tests. */
export interface ClientStep {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The challenges of a 401, one string each. */
  readonly challenges: readonly string[];
}

/** Where the client prints: one line per call. */
export type ClientLog = (line: string) => void;

/** The flow did not go as a client of the sample expects. */
export class ClientFlowError extends Error {
  override readonly name = 'ClientFlowError';
}
