"""Event contracts: the typed data of every event Tandem publishes, shared by producers and consumers.

Importing this package registers every type in `tandem_shared.events.REGISTRY`.
"""

from tandem_shared.contracts import capacity, change, knowledge, metrics, portfolio  # noqa: F401
