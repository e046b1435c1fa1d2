from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "openmash.tasks"
    label = "tasks"
