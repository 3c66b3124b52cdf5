"""A PyNEST network as a brainstate module: a recurrent network of iaf_psc_alpha neurons is
the reservoir, a ``brainstate.nn.Linear`` readout learns to tell two input patterns apart
from its spike counts.

The network is built with the ordinary PyNEST calls; ``nest.to_brainstate`` turns it into a
brainstate module whose ``update(i)`` advances it one 50 ms trial. Each trial's pattern sets
the ``I_e`` of one of two input groups from inside the compiled loop
(``net.set_param``, traceable), so brainstate's ``for_loop`` runs all trials as one compiled
program; the readout is trained with ``brainstate.transform.grad`` on half the trials and
tested on the rest.

    python examples/beyond_nest/brainstate_readout.py
"""
import brainstate
import jax
import jax.numpy as jnp
import numpy as np

import jaxnest as nest

TRIALS, TRIAL_MS = 200, 50.0


def build():
    nest.ResetKernel()
    nest.rng_seed = 7
    neurons = nest.Create("iaf_psc_alpha", 300)
    nest.Connect(neurons[:240], neurons, {"rule": "fixed_indegree", "indegree": 20},
                 {"weight": 20.0, "delay": 1.5})
    nest.Connect(neurons[240:], neurons, {"rule": "fixed_indegree", "indegree": 10},
                 {"weight": -100.0, "delay": 1.5})
    noise = nest.Create("poisson_generator", params={"rate": 2500.0})
    nest.Connect(noise, neurons, syn_spec={"weight": 25.0})
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons, recorder)
    return neurons, neurons[:30], neurons[30:60]  # all, input group A, input group B


def main():
    neurons, group_a, group_b = build()
    net = nest.to_brainstate(TRIAL_MS, n_intervals=TRIALS)
    labels = np.random.default_rng(0).integers(0, 2, TRIALS)

    def trial(i, label):
        net.set_param(group_a, "I_e", 300.0 * (label == 0))
        net.set_param(group_b, "I_e", 300.0 * (label == 1))
        return net.update(i)["spikes"].sum(axis=0)  # spike count of each neuron

    def loss():
        logits = readout(features[:TRIALS // 2])
        return -jnp.mean(jax.nn.log_softmax(logits)[np.arange(TRIALS // 2),
                                                    labels[:TRIALS // 2]])

    with nest.jax_scope():  # the kernel computes in double precision
        brainstate.random.seed(0)
        readout = brainstate.nn.Linear(len(neurons) - 60, 2)
        counts = brainstate.transform.jit(lambda: brainstate.transform.for_loop(
            trial, jnp.arange(TRIALS), jnp.asarray(labels)))()
        # the readout sees the reservoir only: not the input groups themselves
        features = counts[:, 60:] / 10.0
        params = readout.states(brainstate.ParamState)
        grad = brainstate.transform.jit(brainstate.transform.grad(loss, params))
        for _ in range(300):
            for key, g in grad().items():
                params[key].value = jax.tree.map(lambda p, d: p - 0.05 * d,
                                                 params[key].value, g)
        predicted = np.asarray(jnp.argmax(readout(features[TRIALS // 2:]), axis=1))
    accuracy = float(np.mean(predicted == labels[TRIALS // 2:]))
    net.write_back()  # the network's state is now the module's: GetStatus, Simulate go on
    rate = float(np.asarray(counts).sum() / len(neurons) / (TRIALS * TRIAL_MS / 1000.0))
    print(f"mean rate {rate:.1f} Hz over {TRIALS} trials, "
          f"test accuracy {accuracy:.2f}, biological time {nest.biological_time:.0f} ms")
    return accuracy


if __name__ == "__main__":
    main()
