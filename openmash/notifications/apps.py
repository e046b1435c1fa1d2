from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "openmash.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from openmash.core import demo

        from .demo import load_demo_notifications

        # After the pathway apps' loaders (INSTALLED_APPS order), so there is work to warn about.
        demo.register(load_demo_notifications)
