from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openmash.accounts"
    label = "accounts"
    verbose_name = "Staff, agencies and teams"

    def ready(self):
        from allauth.account.signals import password_changed, password_reset

        password_changed.connect(_password_chosen, dispatch_uid="accounts.password_changed")
        password_reset.connect(_password_chosen, dispatch_uid="accounts.password_reset")


def _password_chosen(sender, request, user, **kwargs):
    """allauth's change-password and reset-by-email pages: the password is the user's own."""
    from .services import password_change_requirement_clear

    password_change_requirement_clear(user)
