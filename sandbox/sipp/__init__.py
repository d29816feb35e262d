"""SIPp as a simulated citizen: the one scenario builder (:mod:`~sandbox.sipp.scenario`), one call
(:mod:`~sandbox.sipp.citizen`, for the demo and tests) and a load of calls (:mod:`~sandbox.sipp.load`, for
benchmarks)."""
