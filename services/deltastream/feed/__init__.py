"""The feed service: a synthetic NSE option market, or a replay of recorded quotes."""
