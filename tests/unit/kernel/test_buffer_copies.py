"""The compiled chunk updates its large state in place: no copy of a whole ring buffer per
slice, of a spike archive or a voltage history per step or of a plastic edge state per
delivered segment.

XLA inserts such copies silently when the order of a read and an in-place write is not forced,
or when it writes through a reshaped view (each costs O(max_delay x neurons) per slice: 3-5x
the step time at min_delay = h with long delays; an archive copy per step made STDP networks
several times slower). The optimised HLO of the chunk is inspected for them.
"""
import glob
import math
import os
import re
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import jaxnest as nest
    n = nest.Create("iaf_psc_alpha", 50, params={"I_e": 400.0})
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 5}, {"weight": 10.0, "delay": 0.1})
    nest.Connect(n[:1], n[1:2], syn_spec={"weight": 1.0, "delay": 5.0})   # a long delay
    dc = nest.Create("dc_generator", params={"amplitude": 10.0})
    nest.Connect(dc, n)
    nest.Connect(nest.Create("poisson_generator", params={"rate": 800.0}), n,
                 syn_spec={"weight": 5.0})                # dense rows into the buffer
    nest.Connect(n[:40], n, {"rule": "fixed_indegree", "indegree": 4},
                 {"synapse_model": "stdp_synapse", "weight": 5.0})   # archives, edge state
    u = nest.Create("pp_cond_exp_mc_urbanczik", 2)
    rec = nest.GetDefaults("pp_cond_exp_mc_urbanczik")["receptor_types"]
    nest.Connect(n[:10], u, syn_spec={"synapse_model": "urbanczik_synapse", "weight": 5.0,
                                      "receptor_type": rec["dendritic_exc"]})  # voltage history
    nest.Connect(n, nest.Create("spike_recorder"))
    nest.Simulate(5.0)
""")


def _elements(shape: str) -> int:
    return math.prod(int(d) for d in shape.split(",") if d)


@pytest.mark.slow  # ~20 s: compiles in a subprocess with HLO dumps
def test_chunk_copies_no_ring_buffer_inside_its_loop(tmp_path):
    env = dict(os.environ, JAXNEST_CACHE_DIR="",
               XLA_FLAGS=f"--xla_dump_to={tmp_path} --xla_dump_hlo_as_text")
    subprocess.run([sys.executable, "-c", SCRIPT], check=True, env=env, timeout=300)
    files = glob.glob(str(tmp_path / "*jit_chunk*after_optimizations.txt"))
    assert files, "no chunk function was compiled"
    hlo = open(max(files, key=os.path.getsize)).read()
    entry = next(line for line in hlo.splitlines() if line.startswith("ENTRY"))
    sizes = {int(s) for s in re.findall(r"carry__c?buf__\.\d+: f\d+\[(\d+)\]", entry)}
    assert len(sizes) == 2, entry[:300]   # buf (C x N rows) and cbuf (N rows)
    big = re.findall(r"carry__(?:arch____t|arch____clop____urb_t|syn___0___weight)__\.\d+: "
                     r"f\d+\[([\d,]+)\]", entry)
    assert len(big) == 3, entry[:300]     # archive rings (H x N): spikes, the dendrites' error
    # history; the STDP edges' weights
    sizes |= {_elements(b) for b in big}
    copies = [line.strip()[:160] for line in hlo.splitlines()
              if (m := re.search(r"= f\d+\[([\d,]*)\]\S* copy\(", line))
              and _elements(m.group(1)) in sizes]
    # the entry copies the (non-donated) input buffers once per chunk; nothing else may
    assert copies and not [c for c in copies if "copy(%carry__" not in c], copies
