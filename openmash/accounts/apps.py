from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openmash.accounts"
    label = "accounts"
    verbose_name = "Staff, agencies and teams"

    def ready(self):
        from allauth.account.signals import password_changed, password_reset

        password_changed.connect(_password_chosen, dispatch_uid="accounts.password_changed")
        password_reset.connect(_password_chosen, dispatch_uid="accounts.password_reset")

        from django.db.models.signals import m2m_changed

        from .models import User

        m2m_changed.connect(
            _roles_changed, sender=User.roles.through, dispatch_uid="accounts.roles_changed"
        )


def _password_chosen(sender, request, user, **kwargs):
    """allauth's change-password and reset-by-email pages: the password is the user's own."""
    from .services import password_change_requirement_clear

    password_change_requirement_clear(user)


def _roles_changed(sender, instance, action, reverse, **kwargs):
    """Keep ``User.held_role_codes`` equal to the user's roles, in the same transaction.

    Only ``user.roles`` changes arrive here: simple-history's m2m tracking refuses changes made
    from the role's side (``role.users.add``), which a test keeps true."""
    from .models import User, held_role_codes_refresh

    if not reverse and action in ("post_add", "post_remove", "post_clear"):
        held_role_codes_refresh([instance.pk])
        instance.held_role_codes = (
            User.objects.filter(pk=instance.pk).values_list("held_role_codes", flat=True).get()
        )
        instance.__dict__.pop("capabilities", None)
