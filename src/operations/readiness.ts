/**
 * Named readiness checks that other modules contribute (the audit sealer's lag, say), so /readyz
 * reflects every part that must work before traffic is sent here.
 */
export type ReadinessCheck = () => Promise<{ ok: boolean; detail?: Record<string, unknown> }>;

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  entries(): [string, ReadinessCheck][] {
    return [...this.checks.entries()];
  }
}
