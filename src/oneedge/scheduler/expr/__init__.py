"""OpenNebula's expression language: requirements (boolean) and ranks (arithmetic)."""

from oneedge.scheduler.expr.arith import Rank, compile_rank
from oneedge.scheduler.expr.attributes import DATASTORE_PATHS, HOST_PATHS, Attributes, flatten
from oneedge.scheduler.expr.boolean import Requirements, compile_requirements
from oneedge.scheduler.expr.lexer import ExpressionError

__all__ = ["Attributes", "DATASTORE_PATHS", "ExpressionError", "HOST_PATHS", "Rank", "Requirements",
           "compile_rank", "compile_requirements", "flatten"]
