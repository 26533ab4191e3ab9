from django.apps import AppConfig


class DemoConfig(AppConfig):
    # No models: installed so its management commands (seed_demo, seed_load, demo_code) are found.
    name = "demo"
    verbose_name = "Demo and load data"
