"""Closed vocabularies, stored as short strings so adding a value needs no enum-type migration."""
from enum import StrEnum


class OrgKind(StrEnum):
    enterprise = "enterprise"
    bureau = "bureau"
    coordinator = "coordinator"
    government = "government"
    blood_station = "blood_station"


class Role(StrEnum):
    admin = "admin"
    enterprise_clerk = "enterprise_clerk"
    enterprise_manager = "enterprise_manager"
    bureau_officer = "bureau_officer"
    bureau_approver = "bureau_approver"
    coordinator = "coordinator"
    government_approver = "government_approver"
    blood_officer = "blood_officer"
    health_officer = "health_officer"
    inspector = "inspector"
    viewer = "viewer"

