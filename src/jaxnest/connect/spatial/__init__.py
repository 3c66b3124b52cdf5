"""Spatial networks, build side (numpy): layers and their positions (:mod:`.layers`), masks
(:mod:`.masks`), spatial parameters (:mod:`.parameters`), the candidate pairs of a masked
connection (:mod:`.candidates`) and NEST's spatial connection rules (:mod:`.builder`)."""
