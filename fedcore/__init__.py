"""Small pieces shared by the node and the gateway: configuration, vocabulary, queries, OPA, logging."""

from importlib.metadata import PackageNotFoundError, version

try:
    SOFTWARE_VERSION = version("fedgate")
except PackageNotFoundError:  # running from a checkout that was never installed
    SOFTWARE_VERSION = "0+unknown"
