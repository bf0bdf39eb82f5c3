/**
 * BEGAN's equilibrium controller (Berthelot et al. 2017, eq. 4–5): k_t weighs how much D pushes generated pictures'
 * reconstruction error up, moved after each step so that E[L(G(z))] = γ·E[L(x)]; and the convergence measure
 * M = L(x) + |γ·L(x) − L(G(z))|, which falls as the pictures improve (the paper's Figure 2). k_t is checkpointed.
 */
export interface EquilibriumState { k: number }

/** k_{t+1} = clip(k_t + λ_k·(γ·L(x) − L(G(z))), 0, 1). */
export function nextK(k: number, lossReal: number, lossFake: number, gamma: number, lambdaK: number): number {
  return Math.min(1, Math.max(0, k + lambdaK * (gamma * lossReal - lossFake)));
}

/** M_global = L(x) + |γ·L(x) − L(G(z))|. */
export function convergence(lossReal: number, lossFake: number, gamma: number): number {
  return lossReal + Math.abs(gamma * lossReal - lossFake);
}

export class EquilibriumController {
  /** The k_t the next step uses (k_0 = 0, as in the paper). */
  k = 0;

  constructor(private readonly gamma: number, private readonly lambdaK: number) {}

  /** After a step with these mean reconstruction errors: moves k; returns the k the step used and M. */
  observe(lossReal: number, lossFake: number): { k: number; convergence: number } {
    const used = this.k;
    this.k = nextK(this.k, lossReal, lossFake, this.gamma, this.lambdaK);
    return { k: used, convergence: convergence(lossReal, lossFake, this.gamma) };
  }

  state(): EquilibriumState {
    return { k: this.k };
  }

  restore(s: EquilibriumState): void {
    this.k = s.k;
  }
}
