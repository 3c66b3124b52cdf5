"""Tune the rate of a Poisson input so that a small recurrent network fires at a target rate,
with surrogate gradients (``nest.value_and_grad(..., surrogate=beta)``), then check the result
over 32 random seeds in one batched run (``nest.batch``).

Spike counts and Poisson counts are integers: their derivatives are zero. With
``surrogate=beta`` each spike carries the derivative of sigmoid((V - V_th) / beta) and the
Poisson generator's counts the pathwise derivative c / rate (docs/batch.md); the simulated
values stay exactly those of the ordinary run. The surrogate slope is biased (its size
scales with 1/beta: with beta = 4 mV it was within 20 % of the slope of the seed-averaged
rate on this network, measured with a 64-seed batch), so the rate is found by Newton steps on
the surrogate slope, safeguarded by the bracket the runs have shown, each run from the same
seed (common random numbers).

    python examples/beyond_nest/tune_input_rate.py
"""
import numpy as np

import jaxnest as nest

N, T, TARGET = 20, 500.0, 40.0  # neurons, ms, Hz


def build(rate: float, seed: int = 1):
    nest.ResetKernel()
    nest.rng_seed = seed
    n = nest.Create("iaf_psc_alpha", N)
    pg = nest.Create("poisson_generator", params={"rate": rate})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, n, syn_spec={"weight": 30.0})
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 4}, {"weight": -20.0,
                                                                    "delay": 1.5})
    nest.Connect(n, sr)
    return n, pg, sr


def main():
    rate, lo, hi = 4000.0, 0.0, np.inf
    n, pg, sr = build(rate)
    f = nest.value_and_grad(lambda rec: rec[sr]["n_events"], [(pg, "rate")], surrogate=4.0)
    per_hz = 1000.0 / (N * T)  # spike count -> mean rate (Hz)
    for it in range(12):
        pg.rate = rate
        count, (slope,) = f(T)
        out = count * per_hz
        print(f"step {it:2d}: input {rate:9.2f} Hz -> {out:6.2f} Hz "
              f"(surrogate d rate_out / d rate_in {slope * per_hz:.5f})")
        if abs(out - TARGET) < 0.25 or slope <= 0:
            break
        lo, hi = (lo, min(hi, rate)) if out > TARGET else (max(lo, rate), hi)
        step = rate - (out - TARGET) / (slope * per_hz)  # Newton on the surrogate slope
        if not lo < step < hi:  # outside the bracket the response has shown: bisect
            step = 0.5 * (lo + hi) if np.isfinite(hi) else 2 * rate
        rate = float(np.clip(step, 0.5 * rate, 2 * rate))
    n, pg, sr = build(rate)
    runs = nest.batch(32).set(rng_seed=np.arange(1, 33)).simulate(T)
    rates = np.array([len(e["times"]) * per_hz for e in runs.events(sr)])
    print(f"input {rate:.1f} Hz: mean rate over 32 seeds {rates.mean():.2f} +- "
          f"{rates.std(ddof=1) / np.sqrt(rates.size):.2f} Hz (target {TARGET} Hz)")
    return rate, rates


if __name__ == "__main__":
    main()
