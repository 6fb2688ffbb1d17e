"""Tooling around the runtime: pinned OPA and Regal, local OPA and Prometheus servers, a CA for local federations.

The node and the gateway never import it: they load what it provisions (policies, certificates) from files.
"""
