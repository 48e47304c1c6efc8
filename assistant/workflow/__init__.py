"""The review workflow: content items with versions, states, decisions, comments and the audit log.

draft -> in_review -> approved | changes_requested | rejected; approved -> exported.
"""

from assistant.workflow.models import ItemSummary, ItemView, VersionView
from assistant.workflow.service import Workflow
from assistant.workflow.states import STATUSES, BlockedError, ConflictError, TransitionError

__all__ = ["BlockedError", "ConflictError", "ItemSummary", "ItemView", "STATUSES", "TransitionError",
           "VersionView", "Workflow"]
