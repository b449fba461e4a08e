"""Public tools: calculators anyone may use, storing nothing (the lift-vote count)."""
