"""The rules: keyword-only functions over a Session. No request, form or Celery in here."""
