"""Alerts: one model every condition shares (docs/domain-rules.md, alerts).

``registry`` holds the scans (a kind and the SELECT of the conditions that hold now), ``engine`` turns a scan
into set-based upserts, resolutions and history, ``scans`` declares the stock and workflow kinds, ``queries``
and ``actions`` serve the pages and the API.
"""
