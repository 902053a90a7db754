"""The method: indicators, z-scores and indices, need rules, robustness, change, concept computations."""
