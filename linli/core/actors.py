"""The actor for writes that no person makes: the demo loader, migrations of data,
scheduled jobs. It passes every scope check and is recorded as "system" in the audit log."""


class SystemActor:
    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = True
    username = "system"

    def __str__(self):
        return "system"


SYSTEM = SystemActor()
