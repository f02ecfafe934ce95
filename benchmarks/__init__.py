"""pgviz benchmarks, side by side with the OTP pg and Redis anchors (../shared/anchors).

    python -m benchmarks [--runs N] [--quick] [--only local,latency,...]   # the runner
    python -m benchmarks.scenario NAME [--size full|quick|smoke]           # one pgviz scenario

See benchmarks/README.md.
"""
