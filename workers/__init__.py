"""Celery: the app bound to Flask, thin tasks over services, and the beat schedule."""
