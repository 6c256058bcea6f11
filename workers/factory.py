"""``celery_init_app`` as Flask documents it: every task runs inside the Flask app context."""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from workers import files_broker  # noqa: F401  (registers the embedded broker's files:// scheme)
from workers.beat import BEAT_SCHEDULE


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.beat_schedule = BEAT_SCHEDULE
    celery_app.conf.include = ["workers.tasks", "workers.statistics_tasks"]
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
