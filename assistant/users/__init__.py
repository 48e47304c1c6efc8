"""Users and roles (writer, reviewer, admin); argon2id password hashes; authentication for the
CLI and the web UI."""

from assistant.users.models import (
    LOCAL, PERMISSIONS, ROLES, AuthError, PermissionDenied, Role, User, local_user,
)
from assistant.users.service import UserService

__all__ = ["LOCAL", "local_user", "PERMISSIONS", "ROLES", "AuthError", "PermissionDenied", "Role", "User", "UserService"]
