"""align: compare news coverage across languages, offline.

Stages (one module each, data flowing one way): ingest -> segment -> translate -> embed ->
match -> tables/report; `pipeline` wires them and `cli` is the command line.
"""

__version__ = "0.1.0"
