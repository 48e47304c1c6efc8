"""Users and roles (writer, reviewer, admin); argon2id password hashes; authentication for the
CLI and the web UI."""

from assistant.users.models import PERMISSIONS, ROLES, AuthError, PermissionDenied, Role, User
from assistant.users.service import UserService

__all__ = ["PERMISSIONS", "ROLES", "AuthError", "PermissionDenied", "Role", "User", "UserService"]
