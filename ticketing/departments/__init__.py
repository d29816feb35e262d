"""Responsible units (承办单位): city → district → street."""
