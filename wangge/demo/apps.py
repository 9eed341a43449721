from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "wangge.demo"
    label = "demo"
    verbose_name = "Demo county"
