"""Small pieces the node and the gateway run on: configuration, vocabulary, queries, answers, keys, TLS, logs."""

from importlib.metadata import PackageNotFoundError, version

try:
    SOFTWARE_VERSION = version("fedgate")
except PackageNotFoundError:  # running from a checkout that was never installed
    SOFTWARE_VERSION = "0+unknown"
