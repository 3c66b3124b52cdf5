"""Write the kernel's random stream as raw 32-bit words to stdout, for test batteries:

    python tools/rng_stream.py [--seed S] [--stream K] | dieharder -g 200 -a

Words come in the order the kernel draws them for one stream: step after step, each step's
indices 0 .. width-1 (counter = step << 32 | index), so a battery sees both the within-step
and the across-step structure."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from jaxnest import streams


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=143202461, help="rng_seed")
    ap.add_argument("--stream", type=int, default=streams.POISSON, help="stream id")
    ap.add_argument("--width", type=int, default=1 << 16, help="indices per step")
    ap.add_argument("--steps", type=int, default=0, help="steps to write (0: until killed)")
    args = ap.parse_args()
    key = np.uint64(streams.key_of(args.seed, args.stream))
    index = np.arange(args.width, dtype=np.uint64)
    out = sys.stdout.buffer
    step = 0
    try:
        while not args.steps or step < args.steps:
            steps = np.arange(step, step + 16, dtype=np.uint64)[:, None]
            out.write(np.ascontiguousarray(streams.bits(key, steps, index)).tobytes())
            step += 16
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    main()
