/** A service's refusal as the contract reports it: a code the UI decides on, and a message a person can act on. */
export class ServiceError extends Error {
  constructor(readonly code: 'not-found' | 'conflict' | 'invalid-request' | 'unsupported', message: string) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** The one way to say that something asked for is not there. */
export const notFound = (message: string): ServiceError => new ServiceError('not-found', message);
