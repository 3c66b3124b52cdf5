"""The parity harness: run the same PyNEST code under real NEST and under jaxnest, compare."""
